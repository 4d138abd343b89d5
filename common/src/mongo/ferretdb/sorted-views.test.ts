import fc from 'fast-check';
import mongoose from 'mongoose';
import { useTestDatabase } from '../../testing';
import { adaptToFerretDB, ferretdbAdapterOf } from './index';
import { compareValues } from './sorted-views';

/** Records the views test a filter on (sift's matchers), to see how much of a view a read walks. */
const mockSiftTests = { count: 0 };
jest.mock('sift', () => {
  const actual = jest.requireActual('sift');
  const counting = (...args: unknown[]) => {
    const matches = actual.default(...args);
    return (doc: unknown) => {
      mockSiftTests.count += 1;
      return matches(doc);
    };
  };
  return { __esModule: true, ...actual, default: counting };
});

useTestDatabase();

/** Seats listed newest first: the sort index a MongoDB listing would use. */
interface Seat {
  row: string;
  at: Date;
  sold?: boolean;
}
const seatSchema = new mongoose.Schema<Seat>({ row: { type: String, required: true }, at: { type: Date, required: true }, sold: { type: Boolean } });
seatSchema.index({ at: -1, _id: -1 });

const FERRETDB = async () => ({ version: '7.0.77', ferretdbVersion: 'v1.24.2' });
const MONGODB = async () => ({ version: '8.0.4' });

let connection: mongoose.Connection;
let Kept: mongoose.Model<Seat>;
let AsIs: mongoose.Model<Seat>;
beforeAll(async () => {
  connection = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  await adaptToFerretDB(connection, FERRETDB);
  Kept = connection.model<Seat>('Seat', seatSchema, 'seats');
  const plain = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  await adaptToFerretDB(plain, MONGODB);
  AsIs = plain.model<Seat>('Seat', seatSchema, 'seats');
});
// The test database is emptied on the driver before each test: the kept records are read again.
beforeEach(() => ferretdbAdapterOf(connection)?.views.forget());

/** The reads of the seats themselves that reach the server. */
const sent: Array<{ op: string; filter: unknown }> = [];
beforeAll(() => {
  const driver = (mongoose as any).mongo.Collection.prototype;
  for (const op of ['find', 'findOne']) {
    const original = driver[op];
    jest.spyOn(driver, op).mockImplementation(function (this: { collectionName: string }, ...args: any[]) {
      if (this.collectionName === 'seats') sent.push({ op, filter: args[0] });
      return original.apply(this, args);
    });
  }
});
afterAll(() => jest.restoreAllMocks());
beforeEach(() => {
  sent.length = 0;
});

const rows = (docs: Seat[]) => docs.map((d) => d.row);
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('sorted views (FerretDB adapter)', () => {
  it('answers a page in the sort index order (or its reverse) from memory once read, as the server does', async () => {
    await Kept.insertMany([0, 1, 2, 3, 4].map((i) => ({ row: `r${i}`, at: at(i % 3), sold: i === 2 })));
    const page = () => Kept.find({ sold: { $ne: true } }).sort({ at: -1, _id: -1 }).skip(1).limit(2).lean();
    const expected = await AsIs.find({ sold: { $ne: true } }).sort({ at: -1, _id: -1 }).skip(1).limit(2).lean();
    expect(rows(await page())).toEqual(rows(expected));
    expect(rows(await Kept.find({}).sort({ at: 1, _id: 1 }).lean())).toEqual(rows(await AsIs.find({}).sort({ at: 1, _id: 1 }).lean()));
    sent.length = 0;
    expect(rows(await page())).toEqual(rows(expected));
    expect(sent).toEqual([]);
  });

  it('sees every write of this process: by _id, inserts, and writes that name no single record', async () => {
    const [a, b] = await Kept.insertMany([
      { row: 'a', at: at(1) },
      { row: 'b', at: at(2) },
    ]);
    const newest = async () => rows(await Kept.find({ sold: { $ne: true } }).sort({ at: -1, _id: -1 }).lean());
    expect(await newest()).toEqual(['b', 'a']);
    await Kept.updateOne({ _id: b._id }, { $set: { sold: true } });
    expect(await newest()).toEqual(['a']);
    await Kept.create({ row: 'c', at: at(0) });
    expect(await newest()).toEqual(['a', 'c']);
    await Kept.updateMany({}, { $set: { sold: false } });
    expect(await newest()).toEqual(['b', 'a', 'c']);
    await Kept.deleteOne({ _id: a._id });
    expect(await newest()).toEqual(['b', 'c']);
    await Kept.deleteMany({ row: 'c' });
    expect(await newest()).toEqual(['b']);
    expect((await Kept.findById(b._id).lean())?.sold).toBe(false);
  });

  it('sends to the server what it does not answer: a projection, another sort, a server-only operator', async () => {
    await Kept.create({ row: 'a', at: at(1) });
    await Kept.find({}).sort({ at: -1, _id: -1 }).lean();
    sent.length = 0;
    await Kept.find({}).sort({ at: -1, _id: -1 }).select('row').lean();
    await Kept.find({}).sort({ row: 1 }).lean();
    // FerretDB refuses $where; what matters is that it was sent.
    await Kept.find({ $where: 'true' }).sort({ at: -1, _id: -1 }).lean().catch(() => undefined);
    expect(sent.filter((s) => s.op === 'find')).toHaveLength(3);
  });

  it('reads by _id from memory, a copy the caller may change', async () => {
    const seat = await Kept.create({ row: 'a', at: at(1) });
    await Kept.find({}).sort({ at: -1, _id: -1 }).lean();
    sent.length = 0;
    const read = await Kept.findById(seat._id).lean();
    expect(sent).toEqual([]);
    read!.row = 'changed';
    expect((await Kept.findById(seat._id).lean())!.row).toBe('a');
  });

  it('orders values of mixed types as MongoDB does (null, numbers, strings, ObjectIds, booleans, dates)', () => {
    const values = [new Date(5), true, new mongoose.Types.ObjectId(), 'b', 3, null];
    const sorted = [...values].sort(compareValues);
    expect(sorted).toEqual([null, 3, 'b', values[2], true, values[0]]);
    fc.assert(
      fc.property(fc.array(fc.integer()), (xs) => {
        expect([...xs].sort(compareValues)).toEqual([...xs].sort((x, y) => x - y));
      }),
    );
  });

  describe('a sort index led by a field the filter fixes (one event\'s listings, cheapest first)', () => {
    interface Listing {
      event?: string | number;
      price: number;
      open: boolean;
    }
    const listingSchema = new mongoose.Schema<Listing>({ event: { type: mongoose.Schema.Types.Mixed }, price: { type: Number, required: true }, open: { type: Boolean, required: true } });
    listingSchema.index({ event: 1, price: 1, _id: 1 });
    let KeptListing: mongoose.Model<Listing>;
    let AsIsListing: mongoose.Model<Listing>;
    beforeAll(() => {
      KeptListing = connection.model<Listing>('PinnedListing', listingSchema, 'pinned_listings');
      AsIsListing = mongoose.connection.useDb(mongoose.connection.name, { useCache: false }).model<Listing>('PinnedListing', listingSchema, 'pinned_listings');
    });

    const eventArb = fc.constantFrom<string | number | undefined>('e1', 'e2', 'e3', 7, undefined);
    it('walks only the fixed run and answers as the server does, either way round, with other conditions, skip and limit', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ event: eventArb, price: fc.integer({ min: 0, max: 5 }), open: fc.boolean() }), { maxLength: 30 }),
          fc.constantFrom<string | number>('e1', 'e2', 'e9', 7),
          fc.constantFrom<1 | -1>(1, -1),
          fc.boolean(),
          fc.nat({ max: 4 }),
          fc.nat({ max: 5 }),
          async (docs, event, direction, onlyOpen, skip, limit) => {
            await AsIsListing.deleteMany({});
            ferretdbAdapterOf(connection)!.views.forget();
            await KeptListing.insertMany(docs.map((d) => (d.event === undefined ? { price: d.price, open: d.open } : d)));
            const filter = { event, ...(onlyOpen ? { open: true } : {}) };
            const sort = { event: direction, price: direction, _id: direction };
            const ids = (found: Array<{ _id: unknown }>) => found.map((d) => String(d._id));
            const kept = await KeptListing.find(filter).sort(sort).skip(skip).limit(limit).lean();
            const server = await AsIsListing.find(filter).sort(sort).skip(skip).limit(limit).lean();
            expect(ids(kept)).toEqual(ids(server));
          },
        ),
        { numRuns: 40 },
      );
    });

    it('tests the filter on the fixed run only, not on every record', async () => {
      await KeptListing.insertMany(Array.from({ length: 200 }, (_, i) => ({ event: `e${i % 10}`, price: i, open: true })));
      await KeptListing.find({}).sort({ event: 1, price: 1, _id: 1 }).lean();
      mockSiftTests.count = 0;
      const found = await KeptListing.find({ event: 'e3', price: { $gte: 0 } }).sort({ event: -1, price: -1, _id: -1 }).lean();
      expect(found.map((d) => d.price)).toEqual(Array.from({ length: 20 }, (_, i) => 193 - i * 10));
      expect(mockSiftTests.count).toBe(20);
    });
  });
});

