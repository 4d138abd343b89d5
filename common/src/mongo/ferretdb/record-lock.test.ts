import mongoose from 'mongoose';
import { Subjects } from '../../events';
import { OutboxRelay, outboxPlugin, saveWithEvent, WithOutbox } from '../../outbox';
import { InMemoryBus, useTestDatabase } from '../../testing';
import { adaptToFerretDB, ferretdbAdapterOf } from './index';
import { RecordLocks } from './record-lock';

useTestDatabase();

interface Gig extends WithOutbox {
  title: string;
  version: number;
}
const gigSchema = new mongoose.Schema<Gig>({ title: String }, { versionKey: 'version', optimisticConcurrency: true }).plugin(outboxPlugin);

/** A connection the adapter has taken on (buildInfo answered as FerretDB answers it), whatever the test server is. */
let adapted: mongoose.Connection;
let Gig: mongoose.Model<Gig>;
beforeAll(async () => {
  adapted = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  expect(await adaptToFerretDB(adapted, async () => ({ version: '7.0.77', ferretdbVersion: 'v1.24.2' }))).toBe(true);
  Gig = adapted.model<Gig>('RecordLockGig', gigSchema);
});

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('RecordLocks', () => {
  it('runs the holders of one record one at a time, in arrival order, and other records meanwhile', async () => {
    const locks = new RecordLocks();
    const log: string[] = [];
    const job = (id: string, name: string) =>
      locks.hold('gigs', id, async () => {
        log.push(`${name}+`);
        await tick();
        log.push(`${name}-`);
        return name;
      });
    const results = await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1'), job('a', 'a3')]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    const a = log.filter((l) => l.startsWith('a'));
    expect(a).toEqual(['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-')); // b did not wait for a
  });

  it('releases the record when the holder throws', async () => {
    const locks = new RecordLocks();
    await expect(locks.hold('gigs', 'k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(locks.hold('gigs', 'k', async () => 'next')).resolves.toBe('next');
  });

  it('belongs to one adapter: another table does not wait for it', async () => {
    const [one, other] = [new RecordLocks(), new RecordLocks()];
    const release = await one.acquire('gigs', 'k');
    await expect(other.hold('gigs', 'k', async () => 'free')).resolves.toBe('free');
    release();
  });
});

describe("the adapter's record lock", () => {
  it('lets exactly one of many concurrent conditional updates of one record win', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { id } = await Gig.create({ title: 'free' });
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => Gig.findOneAndUpdate({ _id: id, title: 'free' }, { $set: { title: `taken-${i}` } })),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    }
  });

  it('makes version-conditioned saves loaded at one version conflict even when concurrent', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { id } = await Gig.create({ title: 'a' });
      const copies = await Promise.all([Gig.findById(id), Gig.findById(id), Gig.findById(id)]);
      const results = await Promise.allSettled(
        copies.map((copy, i) => {
          copy!.title = `t${i}`;
          return copy!.save(); // its updateOne holds the record's lock
        }),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(mongoose.Error.VersionError);
      }
      expect((await Gig.findById(id))!.version).toBe(1);
    }
  });

  it("keeps a save made while the relay removes an earlier event (the relay's removal holds the lock too)", async () => {
    const bus = new InMemoryBus();
    const relay = new OutboxRelay(bus, [Gig]);
    for (let round = 0; round < 10; round += 1) {
      const gig = new Gig({ title: 'a' });
      await saveWithEvent(gig, Subjects.TicketCreated, { id: gig.id, version: 0, title: 'a', price: 1, userId: 'u' });
      gig.title = 'b';
      await Promise.all([relay.flush(), saveWithEvent(gig, Subjects.TicketUpdated, { id: gig.id, version: 1, title: 'b', price: 1, userId: 'u' })]);
      await relay.flush();
      expect((await Gig.findById(gig.id))!.title).toBe('b');
      expect(bus.publishedData(Subjects.TicketUpdated).filter((d) => d.id === gig.id)).toHaveLength(1);
    }
  });

  it("holds a staging write while the record is held, so the relay's removal cannot erase an entry pushed meanwhile", async () => {
    const gig = await Gig.create({ title: 'a' });
    const release = await ferretdbAdapterOf(adapted)!.locks.acquire(Gig.collection.name, gig._id);
    gig.title = 'b';
    let landed = false;
    const write = saveWithEvent(gig, Subjects.TicketUpdated, { id: gig.id, version: 1, title: 'b', price: 1, userId: 'u' }).then(() => (landed = true));
    // While the relay (say) holds the record, the staging write waits: a few round trips later it has not landed.
    for (let i = 0; i < 3; i++) expect((await Gig.collection.findOne({ _id: gig._id }))!.outbox).toEqual([]);
    await tick();
    expect(landed).toBe(false);
    release();
    await write;
    expect((await Gig.collection.findOne({ _id: gig._id }))!).toMatchObject({ title: 'b', outboxPending: true });
  });

  it('holds writes sent to the collection directly, and leaves reads and inserts alone', async () => {
    const gig = await Gig.create({ title: 'a' });
    const release = await ferretdbAdapterOf(adapted)!.locks.acquire(Gig.collection.name, gig._id);
    let landed = false;
    const write = Gig.collection.updateOne({ _id: gig._id }, { $set: { title: 'raw' } }).then(() => (landed = true));
    expect(await Gig.collection.findOne({ _id: gig._id })).toMatchObject({ title: 'a' });
    await Gig.create({ title: 'another' });
    expect(landed).toBe(false);
    release();
    await write;
    expect(await Gig.collection.findOne({ _id: gig._id })).toMatchObject({ title: 'raw' });
  });
});
