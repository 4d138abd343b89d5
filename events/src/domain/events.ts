import {
  BadRequestError,
  EventCategory,
  EventStatus,
  NotAuthorizedError,
  NotFoundError,
  retry,
  saveWithEvent,
  Subjects,
  UserPayload,
} from '@ticketing/common';
import mongoose from 'mongoose';
import { Event, EventAttrs, EventDoc, eventJSON, findScheduledEvents } from '../data/event';

export const CANCELLED_MESSAGE = 'Cannot edit a cancelled event';

/** What an organizer says about an event, on creation and on every edit. */
export type EventDetails = Omit<EventAttrs, 'organizerId'>;

/**
 * An edit or a cancel is decided again until it lands: each round one of
 * the concurrent writers wins, so N writers at once need at most N rounds,
 * and the contract has no 409 for these routes. The short random waits keep
 * the losers of a round from meeting again in lockstep.
 */
const DECIDE_ATTEMPTS = 50;
const DECIDE_BACKOFF = { baseMs: 2, maxMs: 16, jitter: true };

const lostRace = (err: unknown) => err instanceof mongoose.Error.VersionError;

/** Runs a read-decide-save step again, on a fresh read, when its save lost a race with another change. */
const decideOnCurrentEvent = <T>(step: () => Promise<T>): Promise<T> =>
  retry(step, { attempts: DECIDE_ATTEMPTS, retryIf: lostRace, backoff: DECIDE_BACKOFF });

/**
 * The event as its next save stores it, for the message staged with that
 * save (saveWithEvent: change and message in one write). A new event is
 * version 0; any other save bumps the version by one, and a stale read fails
 * the version filter (mongoose's VersionError).
 */
const asSaved = (event: EventDoc) => ({ ...eventJSON(event), version: event.isNew ? 0 : event.version + 1 });

/** Scheduled events that have not started, soonest first, a page of them. */
export function upcomingEvents(search: {
  q?: string;
  category?: EventCategory;
  city?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}): Promise<EventDoc[]> {
  const { q, ...rest } = search;
  return findScheduledEvents({ ...rest, ...(q ? { text: q } : {}), after: new Date() });
}

/** One event, whatever its status; 404 when there is none. */
export async function eventById(id: string): Promise<EventDoc> {
  const event = await Event.findById(id);
  if (!event) throw new NotFoundError();
  return event;
}

/** A user schedules an event and becomes its organizer. */
export function scheduleEvent(details: EventDetails, organizerId: string): Promise<EventDoc> {
  const event = new Event({ ...details, organizerId });
  return saveWithEvent(event, Subjects.EventCreated, asSaved(event));
}

/**
 * The organizer edits a scheduled event. The save is conditional on the
 * version read; when a concurrent edit or cancel wins, the edit is decided
 * again on the fresh event (applied on top, or refused as cancelled).
 */
export function editEvent(id: string, userId: string, details: EventDetails): Promise<EventDoc> {
  return decideOnCurrentEvent(async () => {
    const current = await Event.findById(id);
    if (!current) throw new NotFoundError();
    if (current.organizerId !== userId) throw new NotAuthorizedError();
    if (current.status === EventStatus.Cancelled) throw new BadRequestError(CANCELLED_MESSAGE);
    // Absent in the edit: no performer any more (PUT says the whole event).
    current.set({ ...details, performer: details.performer ?? undefined });
    // Nothing changed: no new version, no event.
    return current.isModified() ? saveWithEvent(current, Subjects.EventUpdated, asSaved(current)) : current;
  });
}

/** May this user cancel the event: its organizer, or an admin (by email). */
const mayCancel = (event: EventDoc, user: UserPayload, adminEmails: readonly string[]) =>
  event.organizerId === user.id || adminEmails.includes(user.email.toLowerCase());

/**
 * The organizer or an admin cancels an event, for good. event:cancelled is
 * staged only by the write that turns it cancelled: that write is
 * conditional on the version read, so of concurrent cancels one lands and
 * the others, deciding again, find it cancelled and change nothing.
 */
export function cancelEvent(id: string, user: UserPayload, adminEmails: readonly string[]): Promise<EventDoc> {
  return decideOnCurrentEvent(async () => {
    const current = await Event.findById(id);
    if (!current) throw new NotFoundError();
    if (!mayCancel(current, user, adminEmails)) throw new NotAuthorizedError();
    if (current.status === EventStatus.Cancelled) return current;
    current.status = EventStatus.Cancelled;
    return saveWithEvent(current, Subjects.EventCancelled, asSaved(current));
  });
}
