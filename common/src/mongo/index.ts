import mongoose from 'mongoose';
import { logger } from '../logger';
import { retry } from '../retry/retry';
import { adaptToFerretDB } from './ferretdb';

/**
 * Connects mongoose, retrying while the database is not up yet (containers
 * start in any order); on FerretDB with its adapter (./ferretdb).
 */
export async function connectMongo(uri: string, options: { dbName?: string; timeoutMs?: number } = {}): Promise<typeof mongoose> {
  await retry(() => mongoose.connect(uri, { dbName: options.dbName, serverSelectionTimeoutMS: 5000 }), {
    timeoutMs: options.timeoutMs ?? 30000,
    backoff: { baseMs: 1000, maxMs: 1000 },
    onRetry: (err) => logger.warn({ err }, 'MongoDB not reachable yet; retrying'),
  });
  const ferretdb = await adaptToFerretDB(mongoose.connection);
  logger.info({ db: mongoose.connection.name, ferretdb }, ferretdb ? 'connected to FerretDB' : 'connected to MongoDB');
  return mongoose;
}

const DUPLICATE_KEY = 11000;

/** A unique index refused the write: someone stored this record first. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;

export const isMongoConnected = () => mongoose.connection.readyState === 1;

/**
 * The JSON form every model sends to clients: `id` instead of `_id`, and no
 * internals (the outbox and its marker, a kept trace context, mongoose's own
 * version key).
 */
export const toJSONOptions = {
  versionKey: false,
  transform(_doc: unknown, ret: Record<string, unknown>) {
    ret.id = String(ret._id);
    delete ret._id;
    delete ret.outbox;
    delete ret.outboxPending;
    delete ret.__v;
    delete ret.traceparent;
    delete ret.tracestate;
    return ret;
  },
};

/** toJSONOptions that also keep these fields from clients (a password, a card token, a service's own bookkeeping). */
export const toJSONWithout = (...fields: string[]) => ({
  ...toJSONOptions,
  transform(doc: unknown, ret: Record<string, unknown>) {
    toJSONOptions.transform(doc, ret);
    for (const field of fields) delete ret[field];
    return ret;
  },
});

export * from './await-replica';
