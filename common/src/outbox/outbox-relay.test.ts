import mongoose from 'mongoose';
import { Subjects } from '../events';
import { requestContext } from '../logger';
import { InMemoryBus, useTestDatabase, waitFor } from '../testing';
import { OutboxRelay } from './outbox-relay';
import { outboxPlugin, pushEvent, stageEvent, WithOutbox } from './outbox';

useTestDatabase();

interface Seat extends WithOutbox {
  title: string;
}
const Seat = mongoose.model<Seat>('OutboxSeat', new mongoose.Schema<Seat>({ title: String }).plugin(outboxPlugin));

const data = (id: string, version: number) => ({ id, version, title: 't', price: 1, userId: 'u' });

describe('OutboxRelay', () => {
  it('publishes staged events in order, with the request id, and removes them', async () => {
    const bus = new InMemoryBus();
    const relay = new OutboxRelay(bus, [Seat]);
    const seat = new Seat({ title: 'a' });
    await requestContext.run({ requestId: 'req-1' }, async () => {
      stageEvent(seat, Subjects.TicketCreated, data(seat.id, 0));
      stageEvent(seat, Subjects.TicketUpdated, data(seat.id, 1));
      await seat.save();
    });
    expect(await relay.flush()).toBe(2);
    expect(bus.published.map((e) => [e.subject, (e.data as { version: number }).version, e.requestId])).toEqual([
      [Subjects.TicketCreated, 0, 'req-1'],
      [Subjects.TicketUpdated, 1, 'req-1'],
    ]);
    expect(new Set(bus.published.map((e) => e.id)).size).toBe(2);
    expect((await Seat.findById(seat.id))!.outbox).toEqual([]);
    expect(await relay.flush()).toBe(0);
  });

  it('stages through an atomic update as well', async () => {
    const bus = new InMemoryBus();
    const relay = new OutboxRelay(bus, [Seat]);
    const seat = await Seat.create({ title: 'a' });
    await Seat.findOneAndUpdate({ _id: seat._id }, { $set: { title: 'b' }, ...pushEvent(Subjects.TicketUpdated, data(seat.id, 1)) });
    await relay.flush();
    expect(bus.publishedData(Subjects.TicketUpdated)).toEqual([data(seat.id, 1)]);
  });

  it('keeps events while the broker is down and publishes them when it is back', async () => {
    const bus = new InMemoryBus();
    bus.failPublishes = true;
    const relay = new OutboxRelay(bus, [Seat], { pollIntervalMs: 50, maxBackoffMs: 100 });
    relay.start();
    try {
      const seat = new Seat({ title: 'a' });
      stageEvent(seat, Subjects.TicketCreated, data(seat.id, 0));
      await seat.save();
      await new Promise((r) => setTimeout(r, 300));
      expect(bus.published).toHaveLength(0);
      expect((await Seat.findById(seat.id))!.outbox).toHaveLength(1);
      bus.failPublishes = false;
      await waitFor(() => bus.published.length === 1);
      await waitFor(async () => (await Seat.findById(seat.id))!.outbox.length === 0);
    } finally {
      await relay.stop();
    }
  });
});
