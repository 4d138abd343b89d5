import { EventEnvelope, Subjects } from '../events';
import { InMemoryBus, listenerOf, listenTo } from '../testing';
import { Handlers, listenAll, listenersFrom } from './handlers';
import { ListenerMessage, NotYetError } from './listener';

const user = { id: '64b7f0c2a1b2c3d4e5f60718', email: 'fan@example.com' };
const payout = { id: '64b7f0c2a1b2c3d4e5f60719', sellerId: 'seller-1', orderId: '64b7f0c2a1b2c3d4e5f6071a', amount: 5000 };
const envelopeOf = (subject: Subjects, data: unknown, id = 'evt-1'): EventEnvelope =>
  ({ id, subject, time: '2026-12-07T20:00:00.000Z', data }) as EventEnvelope;

describe('listenersFrom', () => {
  it('makes one listener per row, each on its subject in the given queue group', () => {
    const handlers: Handlers = { [Subjects.UserCreated]: async () => {}, [Subjects.PayoutPaid]: async () => {} };
    const listeners = listenersFrom(new InMemoryBus(), 'test-service', handlers);
    expect(listeners.map((l) => [l.subject, l.queueGroupName])).toEqual([
      [Subjects.UserCreated, 'test-service'],
      [Subjects.PayoutPaid, 'test-service'],
    ]);
    expect(listenersFrom(new InMemoryBus(), 'test-service', {})).toEqual([]);
  });

  it("hands the row its subject's data and the message (event id, time, delivery count), and acks only once the row resolved", async () => {
    const seen: string[] = [];
    let finish!: () => void;
    const handlers: Handlers = {
      [Subjects.UserCreated]: async (data, msg) => {
        seen.push(`${data.email} ${msg.eventId} ${msg.time.toISOString()} ${msg.deliveryCount}`);
        await new Promise<void>((resolve) => {
          finish = resolve;
        });
        seen.push('stored');
      },
    };
    const ack = jest.fn(() => seen.push('acked'));
    const handling = listenerOf(listenersFrom(new InMemoryBus(), 'test-service', handlers), Subjects.UserCreated).handle(envelopeOf(Subjects.UserCreated, user), {
      ack,
      deliveryCount: 3,
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ack).not.toHaveBeenCalled();
    finish();
    await handling;
    expect(seen).toEqual(['fan@example.com evt-1 2026-12-07T20:00:00.000Z 3', 'stored', 'acked']);
    expect(ack).toHaveBeenCalledTimes(1);
  });

  it('delivers each subject to its own row only, and acks it through the bus', async () => {
    const bus = new InMemoryBus();
    const users: string[] = [];
    const payouts: number[] = [];
    await listenAll(
      listenersFrom(bus, 'test-service', {
        [Subjects.UserCreated]: async (data) => void users.push(data.email),
        [Subjects.PayoutPaid]: async (data) => void payouts.push(data.amount),
      }),
    );
    expect(await bus.deliver(Subjects.PayoutPaid, payout)).toBe(true);
    expect(await bus.deliver(Subjects.UserCreated, user)).toBe(true);
    expect(users).toEqual(['fan@example.com']);
    expect(payouts).toEqual([5000]);
  });

  it('does not ack when the row throws: the event is redelivered', async () => {
    const bus = new InMemoryBus();
    await listenAll(
      listenersFrom(bus, 'test-service', {
        [Subjects.UserCreated]: async () => {
          throw new Error('database down');
        },
      }),
    );
    expect(await bus.deliver(Subjects.UserCreated, user)).toBe(false);
  });

  it('neither acks a "not yet" nor waits the full ack wait: it asks for a redelivery after a short back-off', async () => {
    const [listener] = listenersFrom(new InMemoryBus(), 'test-service', {
      [Subjects.UserCreated]: async () => {
        throw new NotYetError('its order has not arrived');
      },
    });
    const msg = { ack: jest.fn(), deliveryCount: 1, retryLater: jest.fn() };
    await listener.handle(envelopeOf(Subjects.UserCreated, user), msg);
    expect(msg.ack).not.toHaveBeenCalled();
    expect(msg.retryLater).toHaveBeenCalledTimes(1);
    expect(msg.retryLater.mock.calls[0][0]).toBeLessThanOrEqual(1000);
    // Called directly, the row's "not yet" reaches the caller.
    const direct: ListenerMessage = { ack: jest.fn(), deliveryCount: 1, eventId: 'evt-2', time: new Date() };
    await expect(listener.onMessage(user, direct)).rejects.toBeInstanceOf(NotYetError);
    expect(direct.ack).not.toHaveBeenCalled();
  });

  it('drops data that breaks the event catalog as poison, without running the row', async () => {
    const bus = new InMemoryBus();
    const row = jest.fn(async () => {});
    await listenAll(listenersFrom(bus, 'test-service', { [Subjects.UserCreated]: row }));
    expect(await bus.deliverEnvelope(envelopeOf(Subjects.UserCreated, { id: user.id, email: 'not an email' }))).toBe(true);
    expect(bus.rejected).toHaveLength(1);
    expect(row).not.toHaveBeenCalled();
  });
});

describe('listenerOf and listenTo (testing)', () => {
  const handlers: Handlers = { [Subjects.UserCreated]: async () => {}, [Subjects.PayoutPaid]: async () => {} };

  it("finds a subject's row, and names the subscribed subjects when there is none", () => {
    const listeners = listenersFrom(new InMemoryBus(), 'test-service', handlers);
    expect(listenerOf(listeners, Subjects.PayoutPaid).subject).toBe(Subjects.PayoutPaid);
    expect(() => listenerOf(listeners, Subjects.OrderCreated)).toThrow('no listener for order:created (subscribed: user:created, payout:paid)');
  });

  it('subscribes only the subjects asked for', async () => {
    const bus = new InMemoryBus();
    await listenTo(listenersFrom(bus, 'test-service', handlers), Subjects.PayoutPaid);
    expect(await bus.deliver(Subjects.PayoutPaid, payout)).toBe(true);
    await expect(bus.deliver(Subjects.UserCreated, user)).rejects.toThrow('no listener subscribed to user:created');
  });
});
