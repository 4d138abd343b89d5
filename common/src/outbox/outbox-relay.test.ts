import mongoose from 'mongoose';
import { Subjects } from '../events';
import { requestContext } from '../logger';
import { InMemoryBus, useTestDatabase, waitFor } from '../testing';
import { OutboxRelay } from './outbox-relay';
import { outboxPlugin, saveWithEvent, WithOutbox } from './outbox';

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
      await saveWithEvent(seat, Subjects.TicketCreated, data(seat.id, 0));
      await saveWithEvent(seat, Subjects.TicketUpdated, data(seat.id, 1));
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

  it('keeps events while the broker is down and publishes them when it is back', async () => {
    const bus = new InMemoryBus();
    bus.failPublishes = true;
    const relay = new OutboxRelay(bus, [Seat], { pollIntervalMs: 50, maxBackoffMs: 100 });
    relay.start();
    try {
      const seat = new Seat({ title: 'a' });
      await saveWithEvent(seat, Subjects.TicketCreated, data(seat.id, 0));
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

  it('a writer that does not await the publish goes on once the write is stored; the relay publishes it at once all the same', async () => {
    const bus = new InMemoryBus();
    const relay = new OutboxRelay(bus, [Seat], { pollIntervalMs: 60000, publishWaitMs: 10000 });
    relay.start();
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const publish = bus.publish.bind(bus);
    jest.spyOn(bus, 'publish').mockImplementation(async (envelope) => {
      await gate;
      return publish(envelope);
    });
    try {
      await relay.flush(); // the start scan; the next poll is a minute away
      const seat = new Seat({ title: 'a' });
      const started = Date.now();
      await saveWithEvent(seat, Subjects.TicketCreated, data(seat.id, 0), undefined, { awaitPublish: false });
      // Stored with its entry, and not held until the broker has it.
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await Seat.findById(seat.id))!.outbox).toHaveLength(1);
      expect(bus.published).toHaveLength(0);
      openGate();
      await waitFor(() => bus.published.length === 1, 5000, 10);
      await waitFor(async () => (await Seat.findById(seat.id))!.outbox.length === 0, 5000, 10);
    } finally {
      openGate();
      await relay.stop();
    }
  });

  describe('costs O(1) per write', () => {
    it('hands the relay the written record: it reads that record by _id and never scans for it', async () => {
      const bus = new InMemoryBus();
      const relay = new OutboxRelay(bus, [Seat], { pollIntervalMs: 60000 });
      await Seat.insertMany(Array.from({ length: 50 }, (_, i) => ({ title: `idle ${i}` })));
      relay.start();
      try {
        await relay.flush(); // the start scan
        const scans = jest.spyOn(Seat.collection, 'find');
        const reads = jest.spyOn(Seat.collection, 'findOne');
        const writes = jest.spyOn(Seat.collection, 'updateOne');
        const saved = new Seat({ title: 'a' });
        await saveWithEvent(saved, Subjects.TicketCreated, data(saved.id, 0));
        const other = await Seat.create({ title: 'b' });
        other.title = 'c';
        await saveWithEvent(other, Subjects.TicketUpdated, data(other.id, 1));
        other.title = 'd';
        await saveWithEvent(other, Subjects.TicketUpdated, data(other.id, 2));
        await waitFor(() => bus.published.length === 3);
        expect(bus.published.map((e) => (e.data as { version: number }).version).sort()).toEqual([0, 1, 2]);
        expect(scans).not.toHaveBeenCalled();
        expect(reads.mock.calls.length).toBeGreaterThanOrEqual(2);
        for (const [filter] of reads.mock.calls) expect(Object.keys(filter as object)).toEqual(['_id']);
        // The relay's removals too name their record by _id.
        const relayWrites = writes.mock.calls.filter(([, update]) => '$pullAll' in (update as object) || '$unset' in (update as object));
        expect(relayWrites.length).toBeGreaterThanOrEqual(2); // at least one removal per record
        for (const [filter] of relayWrites) expect((filter as { _id?: unknown })._id).toBeInstanceOf(mongoose.Types.ObjectId);
        scans.mockRestore();
        reads.mockRestore();
        writes.mockRestore();
      } finally {
        await relay.stop();
      }
    });

    it('sets the indexed marker in the staging write itself and drops it once published', async () => {
      await Seat.init();
      const indexes = await Seat.collection.indexes();
      expect(indexes.some((i) => Object.keys(i.key).join() === 'outboxPending')).toBe(true);
      const bus = new InMemoryBus();
      const relay = new OutboxRelay(bus, [Seat]);
      const raw = async (id: unknown) => Seat.collection.findOne({ _id: id } as never);
      const seat = new Seat({ title: 'a' });
      await saveWithEvent(seat, Subjects.TicketCreated, data(seat.id, 0));
      expect((await raw(seat._id))!.outboxPending).toBe(true);
      await relay.flush();
      expect(await raw(seat._id)).not.toHaveProperty('outboxPending');
      seat.title = 'b';
      await saveWithEvent(seat, Subjects.TicketUpdated, data(seat.id, 1));
      expect(await raw(seat._id)).toMatchObject({ title: 'b', outboxPending: true });
      await relay.flush();
      expect(await raw(seat._id)).toMatchObject({ title: 'b', outbox: [] });
      expect(await raw(seat._id)).not.toHaveProperty('outboxPending');
      // A plain save stages nothing and sets nothing.
      seat.title = 'c';
      await seat.save();
      expect(await raw(seat._id)).not.toHaveProperty('outboxPending');
    });

    it('publishes a write staged while a flush() is in progress right after it, not at the next poll', async () => {
      const bus = new InMemoryBus();
      const relay = new OutboxRelay(bus, [Seat], { pollIntervalMs: 60000 });
      relay.start();
      try {
        await relay.flush(); // the start scan; the next poll is a minute away
        // A record staged behind mongoose's back: only flush()'s scan finds it, and its publish waits for the gate.
        const first = await Seat.create({ title: 'a' });
        const entry = { id: 'evt-first', subject: Subjects.TicketUpdated, time: new Date(), data: data(first.id, 1) };
        await Seat.collection.updateOne({ _id: first._id }, { $push: { outbox: entry }, $set: { outboxPending: true } } as never);
        let openGate!: () => void;
        const gate = new Promise<void>((resolve) => (openGate = resolve));
        const publish = bus.publish.bind(bus);
        let publishing!: () => void;
        const publishStarted = new Promise<void>((resolve) => (publishing = resolve));
        jest.spyOn(bus, 'publish').mockImplementation(async (envelope) => {
          publishing();
          await gate;
          return publish(envelope);
        });
        const flushed = relay.flush();
        await publishStarted;
        // Staged while flush()'s pass is publishing: the wake finds a pass in progress.
        const second = new Seat({ title: 'b' });
        await saveWithEvent(second, Subjects.TicketCreated, data(second.id, 0));
        openGate();
        // The scan only queues what it finds, so the record staged meanwhile joins flush()'s own pass.
        expect(await flushed).toBe(2);
        await waitFor(() => bus.published.length === 2, 5000, 10);
        expect(bus.published.map((e) => e.id)).toEqual(['evt-first', second.outbox[0].id]);
      } finally {
        await relay.stop();
      }
    });

    it('publishes a write at once while a recovery scan is still reading (the scan only queues what it finds)', async () => {
      const bus = new InMemoryBus();
      const relay = new OutboxRelay(bus, [Seat], { pollIntervalMs: 60000 });
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      let scanning!: () => void;
      const scanStarted = new Promise<void>((resolve) => (scanning = resolve));
      const find = Seat.collection.find.bind(Seat.collection);
      // A scan that reads the whole collection: here it takes until the gate opens.
      const scans = jest.spyOn(Seat.collection, 'find').mockImplementation(((...args: Parameters<typeof find>) => {
        const cursor = find(...args);
        const toArray = cursor.toArray.bind(cursor);
        cursor.toArray = async () => {
          scanning();
          await gate;
          return toArray();
        };
        return cursor;
      }) as never);
      relay.start(); // the start scan
      try {
        await scanStarted;
        const seat = new Seat({ title: 'a' });
        await saveWithEvent(seat, Subjects.TicketCreated, data(seat.id, 0));
        await waitFor(() => bus.published.length === 1, 5000, 10);
        expect(bus.published[0].id).toBe(seat.outbox[0].id);
      } finally {
        openGate();
        scans.mockRestore();
        await relay.stop();
      }
    });

    it('works on several records at once, each record\'s own entries in order', async () => {
      const bus = new InMemoryBus();
      const relay = new OutboxRelay(bus, [Seat], { concurrency: 3 });
      const seats = [];
      for (const title of ['a', 'b', 'c', 'd']) {
        const seat = new Seat({ title });
        await saveWithEvent(seat, Subjects.TicketCreated, data(seat.id, 0));
        await saveWithEvent(seat, Subjects.TicketUpdated, data(seat.id, 1));
        seats.push(seat);
      }
      let openGate!: () => void;
      const gate = new Promise<void>((resolve) => (openGate = resolve));
      const publish = bus.publish.bind(bus);
      let inFlight = 0;
      let most = 0;
      jest.spyOn(bus, 'publish').mockImplementation(async (envelope) => {
        most = Math.max(most, ++inFlight);
        await gate;
        inFlight -= 1;
        return publish(envelope);
      });
      const flushed = relay.flush();
      // One record at a time would leave one publish waiting at the gate, never three.
      await waitFor(() => inFlight === 3, 5000, 5);
      openGate();
      expect(await flushed).toBe(8);
      expect(most).toBe(3);
      for (const seat of seats) {
        expect(bus.published.filter((e) => (e.data as { id: string }).id === seat.id).map((e) => (e.data as { version: number }).version)).toEqual([0, 1]);
      }
    });

    it('finds entries no write of this process announced (another process, a crash) by the recovery scan over the marker', async () => {
      const bus = new InMemoryBus();
      const relay = new OutboxRelay(bus, [Seat], { pollIntervalMs: 100 });
      const seat = await Seat.create({ title: 'a' });
      // Written behind mongoose's back, as another process's relay-less write would look.
      const entry = { id: 'evt-elsewhere', subject: Subjects.TicketUpdated, time: new Date(), data: data(seat.id, 1) };
      await Seat.collection.updateOne({ _id: seat._id }, { $push: { outbox: entry }, $set: { outboxPending: true } } as never);
      // An entry staged before the marker existed: the first scan (at start) finds it too.
      const legacy = await Seat.create({ title: 'legacy' });
      const old = { id: 'evt-legacy', subject: Subjects.TicketUpdated, time: new Date(), data: data(legacy.id, 1) };
      await Seat.collection.updateOne({ _id: legacy._id }, { $push: { outbox: old } } as never);
      relay.start();
      try {
        await waitFor(() => bus.published.length === 2);
        expect(bus.published.map((e) => e.id).sort()).toEqual(['evt-elsewhere', 'evt-legacy']);
        // Published is not yet removed: the other process writes once the relay is done with the record.
        // (A write of another process takes no lock of ours: on a server whose updates are not atomic
        // it could cross the relay's removal and be erased.)
        await waitFor(async () => {
          const doc = (await Seat.collection.findOne({ _id: seat._id }))!;
          return doc.outbox.length === 0 && !doc.outboxPending;
        });
        const later = { id: 'evt-later', subject: Subjects.TicketUpdated, time: new Date(), data: data(seat.id, 2) };
        await Seat.collection.updateOne({ _id: seat._id }, { $push: { outbox: later }, $set: { outboxPending: true } } as never);
        await waitFor(() => bus.published.length === 3);
        expect(bus.published[2].id).toBe('evt-later');
        await waitFor(async () => !(await Seat.collection.findOne({ _id: seat._id }))!.outboxPending);
      } finally {
        await relay.stop();
      }
    });
  });
});

