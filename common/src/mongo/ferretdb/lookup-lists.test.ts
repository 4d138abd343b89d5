import fc from 'fast-check';
import mongoose from 'mongoose';
import { useTestDatabase } from '../../testing';
import { adaptToFerretDB } from './index';

useTestDatabase();

/** An attempt belongs to one order for good: `immutable`, and the lookup MongoDB answers from the index. */
interface Attempt {
  orderId: string;
  status: string;
  key?: string;
}
const attemptSchema = new mongoose.Schema<Attempt>({
  orderId: { type: String, required: true, immutable: true },
  status: { type: String, required: true },
  key: { type: String },
});
attemptSchema.index({ orderId: 1, status: 1 });
attemptSchema.index({ key: 1 }, { unique: true, sparse: true });

const FERRETDB = async () => ({ version: '7.0.77', ferretdbVersion: 'v1.24.2' });
const MONGODB = async () => ({ version: '8.0.4' });

/** A view of the test database, the adapter on or off. */
async function view(answer: typeof FERRETDB | typeof MONGODB): Promise<mongoose.Model<Attempt>> {
  const connection = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  await adaptToFerretDB(connection, answer);
  const model = connection.model<Attempt>('Attempt', attemptSchema, 'attempts');
  await model.init();
  return model;
}

let Listed: mongoose.Model<Attempt>;
let AsIs: mongoose.Model<Attempt>;
beforeAll(async () => {
  Listed = await view(FERRETDB);
  AsIs = await view(MONGODB);
});

/** The filters that reach the driver for the attempts themselves (not their lists). */
const sent: Array<{ op: string; filter: unknown }> = [];
beforeAll(() => {
  const driver = (mongoose as any).mongo.Collection.prototype;
  for (const op of ['find', 'countDocuments']) {
    const original = driver[op];
    jest.spyOn(driver, op).mockImplementation(function (this: { collectionName: string }, ...args: any[]) {
      if (this.collectionName === 'attempts') sent.push({ op, filter: args[0] });
      return original.apply(this, args);
    });
  }
});
afterAll(() => jest.restoreAllMocks());
beforeEach(() => {
  sent.length = 0;
});

const byFields = () => sent.filter(({ filter }) => Object.keys(filter ?? {}).some((k) => k !== '_id'));
const ids = (docs: Array<{ _id: unknown }>) => docs.map((d) => String(d._id)).sort();
const newOrder = () => new mongoose.Types.ObjectId().toHexString();

describe('finds by an immutable indexed field (adapter on)', () => {
  it('does not read the records the filter leaves out by _id ($ne, $nin), with the answer the server gives', async () => {
    const order = newOrder();
    const [mine, other, third] = await Listed.create([
      { orderId: order, status: 'succeeded' },
      { orderId: order, status: 'succeeded' },
      { orderId: order, status: 'failed' },
    ]);
    sent.length = 0;
    const others = await Listed.find({ orderId: order, status: 'succeeded', _id: { $ne: mine._id } });
    expect(ids(others)).toEqual([other.id]);
    // Each record read by _id (the driver's findOne is a find): all on the list but the one left out.
    expect(sent.map(({ filter }) => String((filter as { _id: unknown })._id))).toEqual([other.id, third.id]);
    const rest = await Listed.find({ orderId: order, _id: { $nin: [mine._id, other._id] } });
    expect(ids(rest)).toEqual([third.id]);
    expect(byFields()).toEqual([]);
    expect(ids(await AsIs.find({ orderId: order, status: 'succeeded', _id: { $ne: mine._id } }))).toEqual([other.id]);
  });

  it('reads the records by _id alone, with the answer the server gives', async () => {
    const order = newOrder();
    await Listed.create([
      { orderId: order, status: 'failed' },
      { orderId: order, status: 'succeeded' },
      { orderId: newOrder(), status: 'succeeded' },
    ]);
    sent.length = 0;
    const succeeded = await Listed.find({ orderId: order, status: 'succeeded' });
    const all = await Listed.find({ orderId: order }).lean();
    const one = await Listed.findOne({ orderId: order, status: 'failed' });
    expect(byFields()).toEqual([]);
    expect(ids(succeeded)).toEqual(ids(await AsIs.find({ orderId: order, status: 'succeeded' })));
    expect(ids(all)).toEqual(ids(await AsIs.find({ orderId: order })));
    expect(one?.status).toBe('failed');
    expect(await Listed.find({ orderId: newOrder() })).toEqual([]);
    expect(await Listed.findOne({ orderId: order, status: 'refunded' })).toBeNull();
  });

  it('lists a record however it is inserted: save, insertMany, the collection, bulkWrite', async () => {
    const order = newOrder();
    await new Listed({ orderId: order, status: 'a' }).save();
    await Listed.insertMany([{ orderId: order, status: 'b' }]);
    await Listed.collection.insertOne({ orderId: order, status: 'c' });
    await Listed.collection.bulkWrite([{ insertOne: { document: { orderId: order, status: 'd' } } }]);
    expect((await Listed.find({ orderId: order })).map((a) => a.status).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(byFields()).toEqual([]);
  });

  it('lists every one of many records of one value inserted at once (the list is written one at a time)', async () => {
    const order = newOrder();
    await Promise.all(Array.from({ length: 20 }, (_, i) => Listed.create({ orderId: order, status: `s${i}` })));
    expect(await Listed.find({ orderId: order })).toHaveLength(20);
  });

  it('answers nothing for a listed record that was not written (a unique key refused it)', async () => {
    const order = newOrder();
    await Listed.create({ orderId: order, status: 'pending', key: 'k1' });
    await expect(Listed.create({ orderId: order, status: 'pending', key: 'k1' })).rejects.toMatchObject({ code: 11000 });
    expect(await Listed.find({ orderId: order })).toHaveLength(1);
  });

  it('finds what was stored before the lists existed (built once from a scan)', async () => {
    const order = newOrder();
    await AsIs.create([
      { orderId: order, status: 'old' },
      { orderId: order, status: 'older' },
    ]);
    const later = await view(FERRETDB); // a process started on a database written without them
    expect((await later.find({ orderId: order })).map((a) => a.status).sort()).toEqual(['old', 'older']);
    await later.create({ orderId: order, status: 'new' });
    expect(await later.countDocuments({ orderId: order })).toBe(3);
    expect(await later.find({ orderId: order })).toHaveLength(3);
  });

  it('builds the lists again after a write that gives a record another value', async () => {
    const [from, to] = [newOrder(), newOrder()];
    const moved = await Listed.create({ orderId: from, status: 'x' });
    await Listed.collection.updateOne({ _id: moved._id }, { $set: { orderId: to } });
    expect(ids(await Listed.find({ orderId: to }))).toEqual([moved.id]);
    expect(await Listed.find({ orderId: from })).toEqual([]);
    const upserted = await Listed.collection.findOneAndUpdate({ key: 'up' }, { $setOnInsert: { orderId: to, status: 'y' } }, { upsert: true, returnDocument: 'after' });
    expect(ids(await Listed.find({ orderId: to }))).toEqual(ids([moved, upserted!]));
  });

  it('sends to the server what the lists cannot answer: a sort, a limit, a projection, other fields, a cursor', async () => {
    const order = newOrder();
    await Listed.create([
      { orderId: order, status: 'b' },
      { orderId: order, status: 'a' },
    ]);
    sent.length = 0;
    expect((await Listed.find({ orderId: order }).sort({ status: 1 })).map((a) => a.status)).toEqual(['a', 'b']);
    expect(await Listed.find({ orderId: order }).limit(1)).toHaveLength(1);
    expect(await Listed.find({ orderId: order }).select('status').lean()).toHaveLength(2);
    expect(await Listed.find({ status: 'a' })).toHaveLength(1);
    const streamed = [];
    for await (const attempt of Listed.find({ orderId: order }).cursor()) streamed.push(attempt.status);
    expect(streamed.sort()).toEqual(['a', 'b']);
    expect((await Listed.collection.find({ orderId: order }).sort({ status: -1 }).toArray()).map((a) => a.status)).toEqual(['b', 'a']);
    const limited = Listed.collection.find({ orderId: order });
    limited.limit(1);
    expect(await limited.toArray()).toHaveLength(1);
    expect(byFields()).toHaveLength(7);
  });

  it('matches exactly what the server matches', async () => {
    const order = newOrder();
    await Listed.insertMany(['a', 'b', 'c'].flatMap((status) => [{ orderId: order, status }, { orderId: newOrder(), status }]));
    const where = fc.record(
      { status: fc.constantFrom<unknown>('a', 'z', { $in: ['a', 'c'] }, { $ne: 'b' }, { $exists: true }), key: fc.constantFrom<unknown>(null, { $exists: false }) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(where, async (conditions) => {
        const filter = { orderId: order, ...conditions };
        expect(ids(await Listed.find(filter).lean())).toEqual(ids(await AsIs.find(filter).lean()));
      }),
      { numRuns: 40 },
    );
  });
});

describe('finds on a connection the adapter is off for', () => {
  it('go to the server as written', async () => {
    const order = newOrder();
    await AsIs.create({ orderId: order, status: 'a' });
    sent.length = 0;
    await AsIs.find({ orderId: order });
    expect(sent).toEqual([{ op: 'find', filter: { orderId: order } }]);
  });
});
