import { Backoff, NotYetError, retry } from '@ticketing/common';
import mongoose from 'mongoose';

const ATTEMPTS = 5;

const lostRace = (err: unknown) => err instanceof mongoose.Error.VersionError;

/**
 * Runs a read-decide-save step again when the save lost a race with another
 * change of the record (mongoose's VersionError): the step reloads and
 * decides on the fresh state. After `attempts` lost races the error
 * propagates (a route answers 409). `backoff` spaces the rounds (default:
 * none, the fresh read is the wait).
 */
export function retryOnVersionConflict<T>(step: () => Promise<T>, attempts = ATTEMPTS, backoff?: Backoff): Promise<T> {
  return retry(step, { attempts, retryIf: lostRace, ...(backoff ? { backoff } : {}) });
}

/**
 * The same for a listener: a ticket that kept changing under the event for
 * every attempt is busy, not broken, so the event is a "not yet" (delivered
 * again after a short back-off, logged below error) rather than a failure
 * that waits for the ack wait.
 */
export async function decideOnCurrentTicket<T>(step: () => Promise<T>, context: Record<string, unknown>): Promise<T> {
  try {
    return await retryOnVersionConflict(step);
  } catch (err) {
    if (err instanceof mongoose.Error.VersionError) {
      throw new NotYetError(`the ticket changed under the event ${ATTEMPTS} times in a row`, context);
    }
    throw err;
  }
}
