import { adminConfig, busConfig, ConfigError, httpConfig, loadConfig, mongoConfig, sessionConfig, z } from '.';

const schema = z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig), busConfig);

describe('loadConfig', () => {
  const valid = { MONGO_URI: 'mongodb://db:27017/x', JWT_KEY: 'k', NATS_URL: 'nats://nats:4222', NATS_CLUSTER_ID: 'ticketing' };

  it('applies defaults', () => {
    const config = loadConfig(schema, valid);
    expect(config).toMatchObject({ PORT: 3000, EVENT_BUS: 'stan', JWT_TTL_SECONDS: 86400, COOKIE_SECURE: true });
    expect(config.NATS_CLIENT_ID).toMatch(/^[\w-]+$/);
  });

  it('names every missing or malformed variable', () => {
    expect(() => loadConfig(schema, { PORT: 'abc', MONGO_URI: 'http://x' })).toThrow(ConfigError);
    try {
      loadConfig(schema, { PORT: 'abc', MONGO_URI: 'http://x' });
    } catch (err) {
      const message = (err as Error).message;
      for (const name of ['PORT', 'MONGO_URI', 'JWT_KEY', 'NATS_URL']) expect(message).toContain(name);
    }
  });

  it('needs NATS_CLUSTER_ID only for NATS Streaming', () => {
    const { NATS_CLUSTER_ID: _omit, ...withoutCluster } = valid;
    expect(() => loadConfig(schema, withoutCluster)).toThrow(/NATS_CLUSTER_ID/);
    expect(loadConfig(schema, { ...withoutCluster, EVENT_BUS: 'jetstream' }).EVENT_BUS).toBe('jetstream');
    expect(() => loadConfig(schema, { ...valid, EVENT_BUS: 'kafka' })).toThrow(/EVENT_BUS/);
  });
});

describe('adminConfig', () => {
  it('reads ADMIN_EMAILS as a list of lower-case emails, spaces and empty entries dropped', () => {
    expect(loadConfig(adminConfig, { ADMIN_EMAILS: ' Boss@Example.com, ,ops@example.com ' }).ADMIN_EMAILS).toEqual(['boss@example.com', 'ops@example.com']);
  });

  it('makes nobody an admin when ADMIN_EMAILS is unset or empty', () => {
    expect(loadConfig(adminConfig, {}).ADMIN_EMAILS).toEqual([]);
    expect(loadConfig(adminConfig, { ADMIN_EMAILS: '' }).ADMIN_EMAILS).toEqual([]);
  });
});
