import { ConfigError, loadConfig } from '@ticketing/common';
import { configSchema } from './config';
import { createStripe, stripeAddress } from './data/stripe';
import { requireStripeMock, STRIPE_MOCK_BASE, TestHttpClient } from './test/stripe';

const env = {
  MONGO_URI: 'mongodb://127.0.0.1:27017/payments',
  JWT_KEY: 'secret',
  NATS_URL: 'nats://127.0.0.1:4222',
  NATS_CLUSTER_ID: 'ticketing',
  STRIPE_KEY: 'sk_test_123',
  REDIS_HOST: 'redis',
};

describe('config', () => {
  it('reads a complete environment', () => {
    const config = loadConfig(configSchema, { ...env, STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(config).toMatchObject({ STRIPE_KEY: 'sk_test_123', STRIPE_API_BASE: 'http://127.0.0.1:12111', PORT: 3000, EVENT_BUS: 'stan' });
  });

  it('names a missing STRIPE_KEY', () => {
    const { STRIPE_KEY: _omit, ...rest } = env;
    expect(() => loadConfig(configSchema, rest)).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, rest)).toThrow(/STRIPE_KEY must be defined/);
  });

  it.each([['pk_test_123'], ['sk_test_'], ['secret']])('rejects the STRIPE_KEY %j', (key) => {
    expect(() => loadConfig(configSchema, { ...env, STRIPE_KEY: key })).toThrow(/STRIPE_KEY/);
  });

  it.each([['localhost:12111'], ['http://127.0.0.1:12111/v1']])('rejects the STRIPE_API_BASE %j', (base) => {
    expect(() => loadConfig(configSchema, { ...env, STRIPE_API_BASE: base })).toThrow(/STRIPE_API_BASE/);
  });

  it('names the other services’ variables too', () => {
    expect(() => loadConfig(configSchema, { STRIPE_KEY: 'sk_test_1' })).toThrow(/MONGO_URI[\s\S]*JWT_KEY[\s\S]*NATS_URL/);
  });
});

describe('createStripe', () => {
  requireStripeMock();

  it('parses STRIPE_API_BASE into the SDK’s host, port and protocol', () => {
    expect(stripeAddress(undefined)).toEqual({});
    expect(stripeAddress('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: '12111', protocol: 'http' });
    expect(stripeAddress('https://stripe.internal')).toEqual({ host: 'stripe.internal', port: 443, protocol: 'https' });
  });

  it('sends the SDK’s requests to STRIPE_API_BASE with the secret key', async () => {
    const http = new TestHttpClient();
    const stripe = createStripe({ STRIPE_KEY: 'sk_test_123', STRIPE_API_BASE: STRIPE_MOCK_BASE }, { httpClient: http });
    const intent = await stripe.paymentIntents.create({ amount: 500, currency: 'usd', payment_method: 'pm_card_visa', confirm: true });
    expect(intent.id).toMatch(/^pi_/);
    const base = new URL(STRIPE_MOCK_BASE);
    expect(http.requests[0]).toMatchObject({ host: base.hostname, port: base.port, protocol: 'http', path: '/v1/payment_intents' });
    expect(http.requests[0].headers.authorization).toBe('Bearer sk_test_123');
  });
});
