import { NotYetError } from '@ticketing/common';
import mongoose from 'mongoose';

const ATTEMPTS = 5;

/**
 * Runs a read-decide-save step again when the save lost a race with another
 * change of the record (mongoose's VersionError): the step reloads and
 * decides on the fresh state. After `attempts` lost races the error
 * propagates. `jitterMs` spreads the retries (up to jitterMs × attempt), so
 * writers that lost together do not meet again in lockstep.
 */
export async function retryOnVersionConflict<T>(step: () => Promise<T>, attempts = ATTEMPTS, jitterMs = 0): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof mongoose.Error.VersionError) || attempt >= attempts) throw err;
      if (jitterMs > 0) await new Promise((r) => setTimeout(r, Math.random() * jitterMs * attempt));
    }
  }
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
