import mongoose from 'mongoose';
import { useTestDatabase } from '../../testing';
import { adaptToFerretDB, BuildInfo, ferretdbAdapterOf, isFerretDB } from './index';

useTestDatabase();

interface Seat {
  title: string;
  version: number;
}
const seatSchema = new mongoose.Schema<Seat>({ title: String }, { versionKey: 'version', optimisticConcurrency: true });

const FERRETDB: BuildInfo = { version: '7.0.77', ferretdbVersion: 'v1.24.2' };
const MONGODB: BuildInfo = { version: '8.0.4' };

/** A fresh view of the test database, with the server's answer to buildInfo as given. */
async function viewAnswering(answer: () => Promise<BuildInfo>): Promise<{ on: boolean; connection: mongoose.Connection; Seat: mongoose.Model<Seat> }> {
  const connection = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
  const on = await adaptToFerretDB(connection, answer);
  return { on, connection, Seat: connection.model<Seat>('Seat', seatSchema, 'seats') };
}

/** The filters that reach the driver (mongoose's copy of it) for the seats. */
const sent: Array<{ op: string; filter: unknown }> = [];
beforeAll(() => {
  const driver = (mongoose as any).mongo.Collection.prototype;
  for (const op of ['updateOne', 'find']) {
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

const ownMethods = (collection: object) => ['updateOne', 'findOneAndUpdate', 'find', 'findOne', 'insertOne'].filter((m) => Object.prototype.hasOwnProperty.call(collection, m));

describe('the FerretDB adapter switch', () => {
  it('stays off when buildInfo names no ferretdbVersion (MongoDB): nothing wrapped, no lock, filters go as written', async () => {
    const { on, connection, Seat } = await viewAnswering(async () => MONGODB);
    expect(on).toBe(false);
    expect(ferretdbAdapterOf(connection)).toBeUndefined();
    expect(ownMethods(Seat.collection)).toEqual([]);
    const seat = await Seat.create({ title: 'a' });
    sent.length = 0;
    await Seat.updateOne({ _id: seat._id, version: 0 }, { $set: { title: 'b' } });
    await Seat.find({ _id: { $in: [seat._id] } });
    expect(sent).toEqual([
      { op: 'updateOne', filter: { _id: seat._id, version: 0 } },
      { op: 'find', filter: { _id: { $in: [seat._id] } } },
    ]);
  });

  it('stays off when buildInfo fails (an unknown server)', async () => {
    const { on, connection, Seat } = await viewAnswering(async () => Promise.reject(new Error('no such command')));
    expect(on).toBe(false);
    expect(ferretdbAdapterOf(connection)).toBeUndefined();
    expect(ownMethods(Seat.collection)).toEqual([]);
  });

  it('turns on when buildInfo names a ferretdbVersion: the record lock and writes by _id', async () => {
    const { on, connection, Seat } = await viewAnswering(async () => FERRETDB);
    expect(on).toBe(true);
    const adapter = ferretdbAdapterOf(connection)!;
    expect(adapter).toBeDefined();
    expect(ownMethods(Seat.collection)).toEqual(['updateOne', 'findOneAndUpdate', 'find', 'findOne', 'insertOne']);
    const seat = await Seat.create({ title: 'a' });
    // Written once more unconditionally: the conditional write below cannot test on the record as inserted (recent-reads.ts), it reads it.
    await Seat.updateOne({ _id: seat._id }, { $set: { title: 'a' } });
    const release = await adapter.locks.acquire('seats', seat._id);
    let landed = false;
    const write = Seat.updateOne({ _id: seat._id, version: 0 }, { $set: { title: 'b' } }).then(() => (landed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(landed).toBe(false);
    sent.length = 0;
    release();
    await write;
    expect(sent).toEqual([
      { op: 'find', filter: { _id: seat._id } }, // the driver's findOne
      { op: 'updateOne', filter: { _id: seat._id } },
    ]);
    // Asked again (connectMongo retries): the same adapter.
    expect(await adaptToFerretDB(connection, async () => FERRETDB)).toBe(true);
    expect(ferretdbAdapterOf(connection)).toBe(adapter);
  });

  it('asks the server itself when not told', async () => {
    const connection = mongoose.connection.useDb(mongoose.connection.name, { useCache: false });
    const info = await connection.db!.admin().command({ buildInfo: 1 });
    expect(await adaptToFerretDB(connection)).toBe(isFerretDB(info));
  });

  it('registers nothing with mongoose when common is imported', () => {
    jest.isolateModules(() => {
      const isolated = require('mongoose') as typeof mongoose & { plugins: unknown[] };
      const plugins = [...isolated.plugins];
      require('../../index');
      expect(isolated.plugins).toEqual(plugins);
    });
  });
});
