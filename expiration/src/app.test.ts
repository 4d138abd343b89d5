import request from 'supertest';
import { InMemoryBus, operationsOf } from '@ticketing/common/testing';
import { buildApp } from './app';
import { closeExpirationQueue, ExpirationQueue } from './data/expiration-queue';
import { disposeQueue, requireRedis, testQueue, uniquePrefix } from './test/queue';

beforeAll(requireRedis);

let queue: ExpirationQueue;
let bus: InMemoryBus;

beforeEach(async () => {
  queue = testQueue(uniquePrefix('app'));
  await queue.isReady();
  bus = new InMemoryBus();
});
afterEach(() => disposeQueue(queue).catch(() => undefined));

describe('GET /healthz and /readyz', () => {
  it('answers both when Redis and the bus are up', async () => {
    const app = buildApp(queue, bus);
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', checks: { redis: true, bus: true } });
  });

  it('is not ready while the bus is down', async () => {
    bus.connected = false;
    const res = await request(buildApp(queue, bus)).get('/readyz').expect(503);
    expect(res.body.checks).toEqual({ redis: true, bus: false });
  });

  it('is not ready without Redis, but still alive', async () => {
    const app = buildApp(queue, bus);
    await closeExpirationQueue(queue);
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.checks).toEqual({ redis: false, bus: true });
    await request(app).get('/healthz').expect(200);
  });

  it('is not ready when Redis does not answer in time', async () => {
    // A Redis that hangs (network partition): the probe gives up after a second.
    const ping = jest.spyOn(queue.client, 'ping').mockReturnValue(new Promise(() => undefined) as never);
    try {
      const started = Date.now();
      const res = await request(buildApp(queue, bus)).get('/readyz').expect(503);
      expect(res.body.checks).toEqual({ redis: false, bus: true });
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      ping.mockRestore();
    }
  });

  it('has no API: anything else is 404', async () => {
    const res = await request(buildApp(queue, bus)).get('/api/expiration').expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});

it('serves exactly the operations docs/openapi.yaml documents for every service (the probes): expiration has no API', () => {
  const { served, documented } = operationsOf(buildApp(queue, bus), ['health']);
  expect(served).toEqual(documented);
});
