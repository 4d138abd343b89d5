import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { adaptToFerretDB, ferretdbAdapterOf } from '../mongo/ferretdb';

let memoryServer: { getUri(): string; stop(): Promise<unknown> } | undefined;

/**
 * Connects mongoose to a database of its own for this test file:
 * MONGO_URI set → a uniquely named database on that server (FerretDB here,
 * mongod elsewhere); unset → mongodb-memory-server (needs internet the first time).
 */
export async function connectTestDatabase(): Promise<void> {
  let uri = process.env.MONGO_URI;
  if (!uri) {
    // Loaded lazily: an optional peer dependency, unused when MONGO_URI is set.
    const { MongoMemoryServer } = require('mongodb-memory-server');
    memoryServer = await MongoMemoryServer.create();
    uri = memoryServer!.getUri();
  }
  const dbName = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await mongoose.connect(uri, { dbName, serverSelectionTimeoutMS: 10000 });
  // As the services do (connectMongo): on FerretDB, through its adapter.
  await adaptToFerretDB(mongoose.connection);
  // Unique indexes must exist before a test relies on them.
  await Promise.all(Object.values(mongoose.models).map((m) => m.init()));
}

/** Empties every collection (keeps indexes), so each test starts clean. */
export async function clearTestDatabase(): Promise<void> {
  const collections = await mongoose.connection.db!.collections();
  await Promise.all(collections.map((c) => c.deleteMany({})));
  // Emptied on the driver, behind the adapter: what it keeps in process is read again.
  ferretdbAdapterOf(mongoose.connection)?.views.forget();
}

export async function dropTestDatabase(): Promise<void> {
  if (mongoose.connection.readyState === 1) await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
  await memoryServer?.stop();
  memoryServer = undefined;
}

/** Registers connect / clear / drop around a jest test file. */
export function useTestDatabase(): void {
  beforeAll(connectTestDatabase);
  beforeEach(clearTestDatabase);
  afterAll(dropTestDatabase);
}
