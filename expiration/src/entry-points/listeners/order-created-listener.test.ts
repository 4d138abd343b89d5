import { Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, newId } from '@ticketing/common/testing';
import { closeExpirationQueue, ExpirationQueue } from '../../data/expiration-queue';
import { disposeQueue, orderCreated, requireRedis, testQueue, uniquePrefix } from '../../test/queue';
import { listenersOf } from '.';

beforeAll(requireRedis);

let prefix: string;
let queue: ExpirationQueue;
let bus: InMemoryBus;

beforeEach(async () => {
  // No processor: these tests look at what is scheduled, not at it firing.
  prefix = uniquePrefix('order-created');
  queue = testQueue(prefix);
  bus = new InMemoryBus();
  await listenTo(listenersOf(bus, queue), Subjects.OrderCreated);
});
afterEach(() => disposeQueue(queue));


describe('order:created listener', () => {
  it('schedules a job keyed by the order id, delayed until expiresAt, and acks', async () => {
    const expiresAt = new Date(Date.now() + 15 * 60 * 1000);
    const data = orderCreated(expiresAt);
    const before = Date.now();
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);

    const job = await queue.getJob(data.id);
    expect(job).not.toBeNull();
    expect(job!.data).toMatchObject({ orderId: data.id, expiresAt: data.expiresAt });
    expect(await job!.getState()).toBe('delayed');
    // Due at expiresAt: Bull's delay is counted from when the job was added.
    expect(job!.timestamp + job!.opts.delay!).toBeGreaterThanOrEqual(expiresAt.getTime() - 5);
    expect(job!.timestamp + job!.opts.delay!).toBeLessThanOrEqual(expiresAt.getTime() + (Date.now() - before) + 5);
    expect(job!.opts.attempts).toBeGreaterThan(1000);
    expect(bus.published).toHaveLength(0);
  });

  it('schedules nothing new when order:created is delivered again', async () => {
    const data = orderCreated(new Date(Date.now() + 60000));
    const eventId = newId();
    expect(await bus.deliver(Subjects.OrderCreated, data, { id: eventId })).toBe(true);
    const first = await queue.getJob(data.id);

    expect(await bus.deliver(Subjects.OrderCreated, data, { id: eventId, deliveryCount: 2 })).toBe(true);
    expect(await queue.getJobCounts()).toMatchObject({ delayed: 1, waiting: 0, active: 0 });
    const again = await queue.getJob(data.id);
    expect(again!.timestamp).toBe(first!.timestamp);
    expect(bus.published).toHaveLength(0);
  });

  it('makes an order whose expiresAt has passed due at once', async () => {
    const data = orderCreated(new Date(Date.now() - 5000));
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    const job = await queue.getJob(data.id);
    expect(job!.opts.delay).toBe(0);
    expect(await job!.getState()).toBe('waiting');
  });

  it('does not ack when the job cannot be stored', async () => {
    await closeExpirationQueue(queue);
    const data = orderCreated(new Date(Date.now() + 60000));
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(false);
    // Reopened on the same keys: nothing was stored.
    queue = testQueue(prefix);
    expect(await queue.getJob(data.id)).toBeNull();
  });

  it('acks and drops an order:created it can never schedule', async () => {
    const data = { ...orderCreated(new Date()), expiresAt: 'not a date' };
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    expect(await queue.getJobCounts()).toMatchObject({ delayed: 0, waiting: 0 });
  });
});
