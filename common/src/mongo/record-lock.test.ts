import mongoose from 'mongoose';
import { Subjects } from '../events';
import { OutboxRelay, outboxPlugin, saveWithEvent, WithOutbox } from '../outbox';
import { InMemoryBus, useTestDatabase } from '../testing';
import './index'; // registers recordLockPlugin for every schema, as in the services
import { withRecordLock } from './record-lock';

useTestDatabase();

interface Gig extends WithOutbox {
  title: string;
  version: number;
}
const Gig = mongoose.model<Gig>(
  'RecordLockGig',
  new mongoose.Schema<Gig>({ title: String }, { versionKey: 'version', optimisticConcurrency: true }).plugin(outboxPlugin),
);

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('withRecordLock', () => {
  it('runs the holders of one key one at a time, in arrival order, and other keys meanwhile', async () => {
    const log: string[] = [];
    const job = (key: string, name: string) =>
      withRecordLock(key, async () => {
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

  it('releases the key when the holder throws', async () => {
    await expect(withRecordLock('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withRecordLock('k', async () => 'next')).resolves.toBe('next');
  });

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
          return copy!.save(); // the global recordLockPlugin takes the record's lock
        }),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected')) {
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(mongoose.Error.VersionError);
      }
      expect((await Gig.findById(id))!.version).toBe(1);
    }
  });

  it("keeps a save made while the relay removes an earlier event (the relay's $pop takes the lock)", async () => {
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
});
