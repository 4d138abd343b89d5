import mongoose from 'mongoose';

const ATTEMPTS = 5;

/**
 * Runs a read-decide-save step again when the save lost a race with another
 * change of the record (mongoose's VersionError): the step reloads and
 * decides on the fresh state. After a few lost races the error propagates,
 * the message is not acked and comes back later.
 */
export async function retryOnVersionConflict<T>(step: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof mongoose.Error.VersionError) || attempt >= ATTEMPTS) throw err;
    }
  }
}
