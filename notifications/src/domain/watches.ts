import { BadRequestError, EVENT_NOT_FOUND_MESSAGE, NotAuthorizedError, NotFoundError } from '@ticketing/common';
import { EventReplica } from '../data/event';
import { Watch, watchView } from '../data/watch';

/** Watches an event the service knows for listings at or under `maxPrice` all-in. */
export async function addWatch(userId: string, eventId: string, maxPrice: number) {
  if (!(await EventReplica.exists({ _id: eventId }))) throw new BadRequestError(EVENT_NOT_FOUND_MESSAGE);
  const watch = await Watch.create({ userId, eventId, maxPrice });
  return watchView(watch);
}

export async function watchesOf(userId: string) {
  const watches = await Watch.find({ userId }).sort({ createdAt: -1, _id: -1 });
  return watches.map(watchView);
}

/** Stops a watch: 404 unknown, 401 someone else's. */
export async function removeWatch(userId: string, watchId: string): Promise<void> {
  const watch = await Watch.findById(watchId);
  if (!watch) throw new NotFoundError();
  if (watch.userId !== userId) throw new NotAuthorizedError();
  await Watch.deleteOne({ _id: watchId, userId });
}
