import fc from 'fast-check';
import mongoose from 'mongoose';
import { useTestDatabase } from '../../testing';
import { adaptToFerretDB } from './index';

useTestDatabase();

interface Seat {
  title: string;
  version: number;
  reservedBy?: mongoose.Types.ObjectId | null;
  sold?: boolean;
  holders: string[];
}
const seatSchema = new mongoose.Schema<Seat>(
  {
    title: String,
    reservedBy: { type: mongoose.Schema.Types.ObjectId },
    sold: Boolean,
    holders: { type: [String], default: undefined },
  },
  { versionKey: 'version', optimisticConcurrency: true },
);

/** Two views of one database: one the adapter has taken on (buildInfo says FerretDB), one it has not (buildInfo says MongoDB). */
let byId: mongoose.Connection;
let asIs: mongoose.Connection;
let SeatById: mongoose.Model<Seat>;
let SeatAsIs: mongoose.Model<Seat>;
const sentFilters: Array<{ op: string; filter: unknown }> = [];

beforeAll(async () => {
  byId = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  asIs = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  expect(await adaptToFerretDB(byId, async () => ({ version: '7.0.77', ferretdbVersion: 'v1.24.2' }))).toBe(true);
  expect(await adaptToFerretDB(asIs, async () => ({ version: '8.0.4' }))).toBe(false);
  SeatById = byId.model<Seat>('Seat', seatSchema, 'seats');
  SeatAsIs = asIs.model<Seat>('Seat', seatSchema, 'seats');
  // What reaches the driver (mongoose's own copy of it).
  const driver = (mongoose as any).mongo.Collection.prototype;
  for (const op of ['updateOne', 'findOneAndUpdate', 'deleteOne']) {
    const original = driver[op];
    jest.spyOn(driver, op).mockImplementation(function (this: unknown, ...args: any[]) {
      sentFilters.push({ op, filter: args[0] });
      return original.apply(this, args);
    });
  }
});
afterAll(() => jest.restoreAllMocks());
beforeEach(() => {
  sentFilters.length = 0;
});

const A = new mongoose.Types.ObjectId();
const B = new mongoose.Types.ObjectId();

describe('conditional writes of one record (adapter on)', () => {
  it('sends a conditional write that holds by _id alone, and one that does not, not at all', async () => {
    const seat = await SeatById.create({ title: 'a' });
    const hit = await SeatById.updateOne({ _id: seat._id, version: 0, reservedBy: null }, { $set: { reservedBy: A } });
    expect(hit).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(sentFilters).toEqual([{ op: 'updateOne', filter: { _id: seat._id } }]);

    sentFilters.length = 0;
    const miss = await SeatById.updateOne({ _id: seat._id, reservedBy: null }, { $set: { reservedBy: B } });
    expect(miss).toMatchObject({ matchedCount: 0, modifiedCount: 0 });
    expect(sentFilters).toEqual([]);
    expect((await SeatAsIs.findById(seat._id).lean())!.reservedBy).toEqual(A);
  });

  it('leaves filters alone on a connection without it, and for upserts', async () => {
    const seat = await SeatAsIs.create({ title: 'a' });
    await SeatAsIs.updateOne({ _id: seat._id, version: 0 }, { $set: { title: 'b' } });
    expect(sentFilters).toEqual([{ op: 'updateOne', filter: { _id: seat._id, version: 0 } }]);
    sentFilters.length = 0;
    const id = new mongoose.Types.ObjectId();
    await SeatById.updateOne({ _id: id, title: 'u' }, { $setOnInsert: { version: 0 } }, { upsert: true });
    expect(sentFilters).toEqual([{ op: 'updateOne', filter: { _id: id, title: 'u' } }]);
    expect(await SeatAsIs.findById(id).lean()).toMatchObject({ title: 'u', version: 0 });
  });

  it('fails a stale versioned save with VersionError, and saves a fresh one by _id', async () => {
    const created = await SeatById.create({ title: 'a' });
    const first = (await SeatById.findById(created._id))!;
    const second = (await SeatById.findById(created._id))!;
    first.title = 'first';
    await first.save();
    expect(sentFilters).toEqual([{ op: 'updateOne', filter: { _id: created._id } }]);
    second.title = 'second';
    await expect(second.save()).rejects.toBeInstanceOf(mongoose.Error.VersionError);
    expect(await SeatAsIs.findById(created._id).lean()).toMatchObject({ title: 'first', version: 1 });
  });

  it('findOneAndUpdate answers null when the conditions fail, the document when they hold', async () => {
    const seat = await SeatById.create({ title: 'a' });
    expect(await SeatById.findOneAndUpdate({ _id: seat._id, version: 7 }, { $set: { title: 'x' } }, { new: true })).toBeNull();
    const done = await SeatById.findOneAndUpdate({ _id: seat._id, version: 0 }, { $set: { title: 'y' } }, { new: true });
    expect(done?.title).toBe('y');
    expect(sentFilters).toEqual([{ op: 'findOneAndUpdate', filter: { _id: seat._id } }]);
  });

  it('matches exactly what the server matches (null and missing fields, $ne, $in, arrays, ObjectIds)', async () => {
    const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
    const stored = fc.record({
      version: fc.integer({ min: 0, max: 2 }),
      reservedBy: maybe(fc.constantFrom<mongoose.Types.ObjectId | null>(A, B, null)),
      sold: maybe(fc.boolean()),
      holders: maybe(fc.subarray(['x', 'y', 'z'])),
    });
    const condition = fc.oneof(
      fc.record({ version: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ reservedBy: fc.constantFrom<mongoose.Types.ObjectId | null>(A, B, null) }),
      fc.record({ sold: fc.constantFrom<unknown>({ $ne: true }, true, false, null) }),
      fc.record({ holders: fc.constantFrom<unknown>('x', { $in: ['y', 'z'] }, { $ne: 'x' }, { $size: 0 }) }),
      fc.record({ version: fc.constantFrom<unknown>({ $gte: 1 }, { $lt: 1 }, { $in: [0, 2] }) }),
    );
    await fc.assert(
      fc.asyncProperty(stored, fc.array(condition, { minLength: 1, maxLength: 3 }), async (doc, conditions) => {
        const fields = Object.fromEntries(Object.entries(doc).filter(([, v]) => v !== undefined));
        const [one, two] = await SeatAsIs.collection.insertMany([{ ...fields }, { ...fields }]).then((r) => [r.insertedIds[0], r.insertedIds[1]]);
        const filter = Object.assign({}, ...conditions);
        const update = { $set: { title: 'hit' } };
        const viaId = await SeatById.updateOne({ ...filter, _id: one }, update);
        const viaServer = await SeatAsIs.updateOne({ ...filter, _id: two }, update);
        expect({ matched: viaId.matchedCount, modified: viaId.modifiedCount }).toEqual({
          matched: viaServer.matchedCount,
          modified: viaServer.modifiedCount,
        });
        const [a, b] = await Promise.all([SeatAsIs.collection.findOne({ _id: one }), SeatAsIs.collection.findOne({ _id: two })]);
        expect({ ...a, _id: undefined }).toEqual({ ...b, _id: undefined });
      }),
      { numRuns: 60 },
    );
  });
});

describe('reads of one record through $in (adapter on)', () => {
  interface Box {
    seat: mongoose.Types.ObjectId | Seat;
  }
  const boxSchema = new mongoose.Schema<Box>({ seat: { type: mongoose.Schema.Types.ObjectId, ref: 'Seat' } });
  const readFilters: Array<{ op: string; filter: unknown }> = [];
  beforeAll(() => {
    const driver = (mongoose as any).mongo.Collection.prototype;
    for (const op of ['find', 'countDocuments']) {
      const original = driver[op];
      jest.spyOn(driver, op).mockImplementation(function (this: { collectionName: string }, ...args: any[]) {
        if (this.collectionName === 'seats') readFilters.push({ op, filter: args[0] });
        return original.apply(this, args);
      });
    }
  });
  beforeEach(() => {
    readFilters.length = 0;
  });

  it('sends {_id: {$in: [id]}} as {_id: id}, with the same answer', async () => {
    const [a, b] = await SeatAsIs.create([{ title: 'a' }, { title: 'b' }]);
    const one = await SeatById.find({ _id: { $in: [a._id] } }).lean();
    expect(one.map((s) => s.title)).toEqual(['a']);
    expect(await SeatById.findOne({ _id: { $in: [b.id] } }).lean()).toMatchObject({ title: 'b' });
    expect(await SeatById.countDocuments({ _id: { $in: [a._id] } })).toBe(1);
    expect(readFilters).toEqual([
      { op: 'find', filter: { _id: a._id } },
      { op: 'find', filter: { _id: b._id } },
      { op: 'countDocuments', filter: { _id: a._id } },
    ]);
  });

  it('populates one reference by _id alone', async () => {
    const seat = await SeatAsIs.create({ title: 'p' });
    const Box = byId.model<Box>('Box', boxSchema, 'boxes');
    const box = await Box.create({ seat: seat._id });
    readFilters.length = 0;
    const loaded = await Box.findById(box._id).populate<{ seat: Seat }>('seat');
    expect(loaded!.seat.title).toBe('p');
    expect(readFilters).toEqual([{ op: 'find', filter: { _id: seat._id } }]);
  });

  it('leaves other reads alone: several ids, other conditions, a connection without it', async () => {
    const [a, b] = await SeatAsIs.create([{ title: 'a' }, { title: 'b' }]);
    expect(await SeatById.countDocuments({ _id: { $in: [a._id, b._id] } })).toBe(2);
    expect(await SeatById.countDocuments({ _id: { $in: [a._id] }, title: 'b' })).toBe(0);
    expect(await SeatById.countDocuments({ _id: { $in: [a._id], $ne: b._id } })).toBe(1);
    expect(await SeatAsIs.countDocuments({ _id: { $in: [a._id] } })).toBe(1);
    expect(readFilters).toEqual([
      { op: 'countDocuments', filter: { _id: { $in: [a._id, b._id] } } },
      { op: 'countDocuments', filter: { _id: { $in: [a._id] }, title: 'b' } },
      { op: 'countDocuments', filter: { _id: { $in: [a._id], $ne: b._id } } },
      { op: 'countDocuments', filter: { _id: { $in: [a._id] } } },
    ]);
  });
});

describe('updateMany (adapter on)', () => {
  it('updates each matching record on its own: a conditional write racing it is never undone', async () => {
    // FerretDB writes an updateMany back as whole records it read before: a claim landing in between was lost.
    for (let round = 0; round < 30; round += 1) {
      const seats = await SeatById.create(Array.from({ length: 5 }, (_, i) => ({ title: `many ${round}-${i}`, sold: false })));
      const claimer = new mongoose.Types.ObjectId();
      const [flagged, claims] = await Promise.all([
        SeatById.updateMany({ title: { $regex: `^many ${round}-` } }, { $set: { sold: true } }),
        Promise.all(seats.map((s) => SeatById.findOneAndUpdate({ _id: s._id, reservedBy: null }, { $set: { reservedBy: claimer } }, { new: true }))),
      ]);
      expect(flagged.matchedCount).toBe(5);
      const stored = await SeatAsIs.find({ _id: { $in: seats.map((s) => s._id) } }).lean();
      for (const seat of stored) {
        expect(seat.sold).toBe(true);
        expect(String(seat.reservedBy)).toBe(String(claimer));
      }
      expect(claims.every((c) => c !== null)).toBe(true);
    }
  });

  it('counts only what still matches when its turn comes, and leaves upserts to the server', async () => {
    const [a, b] = await SeatById.create([{ title: 'count a', sold: false }, { title: 'count b', sold: true }]);
    const result = await SeatById.updateMany({ _id: { $in: [a._id, b._id] }, sold: false }, { $set: { title: 'counted' } });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect((await SeatAsIs.findById(b._id).lean())!.title).toBe('count b');
    const upserted = await SeatById.updateMany({ title: 'upserted seat' }, { $set: { sold: true } }, { upsert: true });
    expect(upserted.upsertedCount).toBe(1);
  });
});
