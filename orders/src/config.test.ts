import { ConfigError, loadConfig } from '@ticketing/common';
import { configSchema } from './config';

const base = {
  MONGO_URI: 'mongodb://orders-mongo:27017/orders',
  JWT_KEY: 'secret',
  NATS_URL: 'nats://127.0.0.1:4222',
  NATS_CLUSTER_ID: 'ticketing',
  REDIS_HOST: 'redis',
};

describe('orders config', () => {
  it('defaults the lock to 15 minutes and the sweep to every minute with a minute of grace', () => {
    expect(loadConfig(configSchema, base)).toMatchObject({
      EXPIRATION_WINDOW_SECONDS: 900,
      ORDER_SWEEP_INTERVAL_MS: 60000,
      ORDER_SWEEP_GRACE_SECONDS: 60,
    });
  });

  it('defaults the hold limit to 3 unpaid orders, and a 1-hour wait after 5 lapses in 24 hours', () => {
    expect(loadConfig(configSchema, base)).toMatchObject({
      MAX_ACTIVE_ORDERS_PER_USER: 3,
      LAPSED_HOLDS_BEFORE_WAIT: 5,
      LAPSED_HOLDS_WINDOW_SECONDS: 86400,
      LAPSED_HOLDS_WAIT_SECONDS: 3600,
      ORDERS_PER_USER_PER_MINUTE: 60,
      REDIS_PORT: 6379,
    });
  });

  it('names a missing REDIS_HOST (limits and holds are shared through Redis)', () => {
    const { REDIS_HOST: _omitted, ...env } = base;
    expect(() => loadConfig(configSchema, env)).toThrow(/REDIS_HOST must be defined/);
  });

  it('reads EXPIRATION_WINDOW_SECONDS', () => {
    expect(loadConfig(configSchema, { ...base, EXPIRATION_WINDOW_SECONDS: '5' }).EXPIRATION_WINDOW_SECONDS).toBe(5);
  });

  it.each([['0'], ['-1'], ['soon']])('names a malformed EXPIRATION_WINDOW_SECONDS %j', (value) => {
    expect(() => loadConfig(configSchema, { ...base, EXPIRATION_WINDOW_SECONDS: value })).toThrow(/EXPIRATION_WINDOW_SECONDS/);
  });

  it('names missing variables', () => {
    expect(() => loadConfig(configSchema, {})).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, {})).toThrow(/MONGO_URI[\s\S]*JWT_KEY|JWT_KEY[\s\S]*MONGO_URI/);
  });
});
