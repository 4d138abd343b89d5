import mongoose from 'mongoose';
import { useTestDatabase } from '../../testing';
import { adaptToFerretDB } from './index';
import { RecentReads } from './recent-reads';

useTestDatabase();

interface Seat {
  title: string;
  version: number;
  status: string;
}
const seatSchema = new mongoose.Schema<Seat>({ title: String, status: String }, { versionKey: 'version', optimisticConcurrency: true });

let byId: mongoose.Connection;
let Seat: mongoose.Model<Seat>;
/** findOne calls that reached the driver (mongoose's copy of it): the adapter's reads and the callers'. */
let reads = 0;

beforeAll(async () => {
  byId = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  expect(await adaptToFerretDB(byId, async () => ({ version: '7.0.77', ferretdbVersion: 'v1.24.2' }))).toBe(true);
  Seat = byId.model<Seat>('RecentSeat', seatSchema, 'recentseats');
  const driver = (mongoose as any).mongo.Collection.prototype;
  const findOne = driver.findOne;
  jest.spyOn(driver, 'findOne').mockImplementation(function (this: unknown, ...args: any[]) {
    reads += 1;
    return findOne.apply(this, args);
  });
});
afterAll(() => jest.restoreAllMocks());
beforeEach(() => {
  reads = 0;
});

describe('a conditional write right after a read of its record (adapter on)', () => {
  it('tests its conditions on that read: no second read, and the outcome the server would give', async () => {
    const seat = await Seat.create({ title: 'a', status: 'open' });
    reads = 0;
    const read = await Seat.findById(seat._id, { version: 1, status: 1 }).lean();
    expect(read?.status).toBe('open');
    const miss = await Seat.updateOne({ _id: seat._id, status: 'closed' }, { $set: { title: 'x' } });
    expect(miss.matchedCount).toBe(0);
    const hit = await Seat.updateOne({ _id: seat._id, version: read!.version, status: 'open' }, { $set: { status: 'closed' }, $inc: { version: 1 } });
    expect(hit.modifiedCount).toBe(1);
    // The caller's read only: the write that missed kept the read, the one that hit used it.
    expect(reads).toBe(1);
    // Written: the next conditional write reads the record again, and sees the write.
    const again = await Seat.updateOne({ _id: seat._id, status: 'open' }, { $set: { title: 'y' } });
    expect(again.matchedCount).toBe(0);
    expect(reads).toBe(2);
    expect((await Seat.findById(seat._id).lean())?.title).toBe('a');
  });

  it('tests on the record as this process inserted it, and reads again once another record was written by many', async () => {
    reads = 0;
    const seat = await Seat.create({ title: 'a', status: 'open' });
    const other = await Seat.create({ title: 'b', status: 'open' });
    const hit = await Seat.updateOne({ _id: seat._id, status: 'open' }, { $set: { status: 'closed' } });
    expect(hit.modifiedCount).toBe(1);
    expect(reads).toBe(0);
    await Seat.updateMany({ title: 'b' }, { $set: { status: 'closed' } });
    const miss = await Seat.updateOne({ _id: other._id, status: 'open' }, { $set: { title: 'x' } });
    expect(miss.matchedCount).toBe(0);
    expect(reads).toBe(1);
  });

  it('reads again when the read did not ask for a field the conditions test', async () => {
    const seat = await Seat.create({ title: 'a', status: 'open' });
    await Seat.findById(seat._id, { title: 1 }).lean();
    reads = 0;
    const hit = await Seat.updateOne({ _id: seat._id, status: 'open' }, { $set: { status: 'closed' } });
    expect(hit.modifiedCount).toBe(1);
    expect(reads).toBe(1);
  });

  it('does not keep a read that was on its way while the record was written', async () => {
    const seat = await Seat.create({ title: 'a', status: 'open' });
    // Sent together: the read may see the record before the write; it must not stand in for a read after it.
    const [read] = await Promise.all([Seat.findById(seat._id).lean(), Seat.updateOne({ _id: seat._id }, { $set: { status: 'closed' } })]);
    expect(read).not.toBeNull();
    const after = await Seat.updateOne({ _id: seat._id, status: 'open' }, { $set: { title: 'x' } });
    expect(after.matchedCount).toBe(0);
  });

  it('does not keep reads across a write of many records', async () => {
    const seat = await Seat.create({ title: 'a', status: 'open' });
    await Seat.findById(seat._id).lean();
    await Seat.updateMany({ title: 'a' }, { $set: { status: 'closed' } });
    const after = await Seat.updateOne({ _id: seat._id, status: 'open' }, { $set: { title: 'x' } });
    expect(after.matchedCount).toBe(0);
  });
});

describe('RecentReads', () => {
  it('keeps a read for maxAgeMs at most, and none that is not a plain inclusion projection', async () => {
    const recent = new RecentReads(20);
    recent.reading('c', 1, {})({ _id: 1, status: 'open' });
    expect(recent.current('c', 1, { status: 'open' })).toEqual({ _id: 1, status: 'open' });
    expect(recent.current('c', 1, { $or: [{ status: 'open' }] })).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(recent.current('c', 1, { status: 'open' })).toBeUndefined();
    recent.reading('c', 2, { projection: { status: 0 } })({ _id: 2 });
    expect(recent.current('c', 2, { title: 'a' })).toBeUndefined();
    recent.reading('c', 3, {})(null);
    expect(recent.current('c', 3, { status: 'open' })).toBeUndefined();
    const done = recent.reading('c', 4, {});
    recent.written('c', 4);
    done({ _id: 4, status: 'open' });
    expect(recent.current('c', 4, { status: 'open' })).toBeUndefined();
  });
});
