import { ConfigError, loadConfig } from '@ticketing/common';
import { configSchema } from './config';

const base = { NATS_URL: 'nats://127.0.0.1:4222', NATS_CLUSTER_ID: 'ticketing', REDIS_HOST: 'redis' };

describe('expiration config', () => {
  it('reads Redis and the bus, with defaults for the ports', () => {
    const config = loadConfig(configSchema, base);
    expect(config).toMatchObject({ REDIS_HOST: 'redis', REDIS_PORT: 6379, PORT: 3000, EVENT_BUS: 'stan' });
  });

  it('names a missing REDIS_HOST', () => {
    const { REDIS_HOST: _omitted, ...env } = base;
    expect(() => loadConfig(configSchema, env)).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, env)).toThrow(/REDIS_HOST must be defined/);
  });

  it('names a malformed REDIS_PORT', () => {
    expect(() => loadConfig(configSchema, { ...base, REDIS_PORT: 'six' })).toThrow(/REDIS_PORT/);
  });
});
