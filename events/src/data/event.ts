import mongoose from 'mongoose';
import { EventCategory, EventStatus, outboxPlugin, toJSONOptions, WithOutbox } from '@ticketing/common';

export interface EventAttrs {
  name: string;
  performer?: string;
  venue: string;
  city: string;
  startsAt: Date;
  category: EventCategory;
  /** The user who created it. */
  organizerId: string;
}

export interface EventDoc extends mongoose.Document, EventAttrs, WithOutbox {
  status: EventStatus;
  /** Bumped by every change; mongoose checks it on save (optimistic concurrency). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** An event in responses (docs/contract.md): `{id, name, performer?, venue, city, startsAt, category, status, organizerId, version}`. */
export interface EventJSON {
  id: string;
  name: string;
  performer?: string;
  venue: string;
  city: string;
  /** ISO 8601. */
  startsAt: string;
  category: EventCategory;
  status: EventStatus;
  organizerId: string;
  version: number;
}

/** The contract's event shape: the response body and the data of every event:* message. */
export function eventJSON(doc: EventDoc): EventJSON {
  return {
    id: String(doc._id),
    name: doc.name,
    ...(doc.performer ? { performer: doc.performer } : {}),
    venue: doc.venue,
    city: doc.city,
    startsAt: doc.startsAt.toISOString(),
    category: doc.category,
    status: doc.status,
    organizerId: doc.organizerId,
    version: doc.version,
  };
}

const eventSchema = new mongoose.Schema<EventDoc>(
  {
    name: { type: String, required: true, trim: true },
    performer: { type: String, trim: true },
    venue: { type: String, required: true, trim: true },
    city: { type: String, required: true, trim: true },
    startsAt: { type: Date, required: true },
    category: { type: String, required: true, enum: Object.values(EventCategory) },
    status: { type: String, required: true, enum: Object.values(EventStatus), default: EventStatus.Scheduled },
    organizerId: { type: String, required: true },
  },
  {
    versionKey: 'version',
    optimisticConcurrency: true,
    timestamps: true,
    toJSON: { ...toJSONOptions, transform: (doc: EventDoc) => eventJSON(doc) },
  },
);

eventSchema.plugin(outboxPlugin);

// The listing: scheduled events by start time.
eventSchema.index({ status: 1, startsAt: 1 });

export const Event = mongoose.model<EventDoc>('Event', eventSchema);

/** Escapes every regular-expression metacharacter: a search is for the literal text. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface EventSearch {
  /** Name, performer or venue contains it, case-insensitively. */
  text?: string;
  category?: EventCategory;
  /** The city, whole, case-insensitively. */
  city?: string;
  /** Starts at or after. */
  from?: Date;
  /** Starts at or before. */
  to?: Date;
  /** Starts after: what has started is no longer offered. */
  after: Date;
  limit: number;
  offset: number;
}

/** Scheduled events matching a search, soonest first, a page of them. */
export function findScheduledEvents(search: EventSearch): Promise<EventDoc[]> {
  const startsAt: Record<string, Date> = { $gt: search.after };
  if (search.from) startsAt.$gte = search.from;
  if (search.to) startsAt.$lte = search.to;
  const filter: Record<string, unknown> = { status: EventStatus.Scheduled, startsAt };
  if (search.category) filter.category = search.category;
  if (search.city) filter.city = { $regex: `^${escapeRegExp(search.city)}$`, $options: 'i' };
  if (search.text) {
    const contains = { $regex: escapeRegExp(search.text), $options: 'i' };
    filter.$or = [{ name: contains }, { performer: contains }, { venue: contains }];
  }
  return Event.find(filter).sort({ startsAt: 1, _id: 1 }).skip(search.offset).limit(search.limit).exec();
}
