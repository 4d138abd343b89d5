import { retry } from '../retry/retry';

/**
 * Loads a record from a replica fed by events, waiting briefly if it is not
 * there yet: a client that creates a ticket and orders it at once can be a
 * few tens of milliseconds ahead of the event that brings the ticket here.
 * Resolves null if the record is still missing after `timeoutMs`.
 */
export function awaitReplica<T>(
  load: () => Promise<T | null>,
  { timeoutMs = 2000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T | null> {
  return retry(load, { timeoutMs, until: (record) => !!record, backoff: { baseMs: intervalMs, maxMs: intervalMs } });
}
