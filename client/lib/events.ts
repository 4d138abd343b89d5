// Events pages without React: the search in the address bar ↔ the API's
// query, and the start time between a datetime-local box and ISO 8601.

/** The categories GET/POST /api/events accept, in the order the select shows them. */
export const EVENT_CATEGORIES = ['concert', 'sports', 'theater', 'comedy', 'festival', 'other'] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export const CATEGORY_LABELS: Record<EventCategory, string> = {
  concert: 'Concert',
  sports: 'Sports',
  theater: 'Theater',
  comedy: 'Comedy',
  festival: 'Festival',
  other: 'Other',
};

/** A category's label; an unknown one (a newer API) is shown as it is. */
export function categoryLabel(category: string): string {
  return (CATEGORY_LABELS as Record<string, string>)[category] ?? category;
}

export const EVENTS_PAGE_SIZE = 20;
/** The API allows 100; one more than the page is asked for to see if a next page exists. */
const MAX_PAGE_SIZE = 99;
const MAX_TEXT = 200;

/** What /events shows, read from its address (`?q=&category=&city=&from=&to=&limit=&offset=`). */
export interface EventSearch {
  q: string;
  category: string;
  city: string;
  /** A day, YYYY-MM-DD, or '' */
  from: string;
  /** A day, YYYY-MM-DD, or '' (the whole day is included) */
  to: string;
  limit: number;
  offset: number;
}

type QueryValue = string | string[] | undefined;

function first(value: QueryValue): string {
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function text(value: QueryValue): string {
  return first(value).trim().slice(0, MAX_TEXT);
}

function intParam(value: QueryValue, fallback: number, min: number, max: number): number {
  const raw = first(value);
  if (!/^\d+$/.test(raw)) return fallback;
  return Math.min(max, Math.max(min, Number(raw)));
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A calendar day that exists (2027-02-30 does not), else ''. */
function day(value: QueryValue): string {
  const raw = first(value).trim();
  if (!DAY.test(raw)) return '';
  const [y, m, d] = raw.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d ? raw : '';
}

/** The search an address asks for; anything malformed is dropped rather than sent on. */
export function readEventSearch(query: Record<string, QueryValue>): EventSearch {
  const category = text(query.category);
  return {
    q: text(query.q),
    category: (EVENT_CATEGORIES as readonly string[]).includes(category) ? category : '',
    city: text(query.city),
    from: day(query.from),
    to: day(query.to),
    limit: intParam(query.limit, EVENTS_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    offset: intParam(query.offset, 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

/** The day after a YYYY-MM-DD day. */
function nextDay(value: string): string {
  const [y, m, d] = value.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/**
 * GET /api/events parameters for a search: one more than the page (to know
 * whether a next page exists), and `to` moved to the next day so the day a
 * person picks as "to" is part of the search (the API reads a day as its start).
 */
export function eventsApiParams(search: EventSearch): Record<string, string | number> {
  const params: Record<string, string | number> = { limit: search.limit + 1, offset: search.offset };
  if (search.q) params.q = search.q;
  if (search.category) params.category = search.category;
  if (search.city) params.city = search.city;
  if (search.from) params.from = search.from;
  if (search.to) params.to = nextDay(search.to);
  return params;
}

/** /events with this search at `offset` (defaults left out of the address). */
export function eventsPageHref(search: EventSearch, offset: number): string {
  const params = new URLSearchParams();
  if (search.q) params.set('q', search.q);
  if (search.category) params.set('category', search.category);
  if (search.city) params.set('city', search.city);
  if (search.from) params.set('from', search.from);
  if (search.to) params.set('to', search.to);
  if (search.limit !== EVENTS_PAGE_SIZE) params.set('limit', String(search.limit));
  if (offset > 0) params.set('offset', String(offset));
  const query = params.toString();
  return query ? `/events?${query}` : '/events';
}

/** Whether a search narrows the list at all. */
export function isFiltered(search: EventSearch): boolean {
  return !!(search.q || search.category || search.city || search.from || search.to);
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** `+01:00` for 60 minutes east of UTC, `-05:30`, `+00:00`. */
export function formatOffset(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const abs = Math.abs(minutesEast);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * A datetime-local value (`2027-03-01T19:30`) as ISO 8601 with the offset
 * the viewer's clock had at that moment (`2027-03-01T19:30:00+01:00`), so the
 * API stores the instant the person meant. `offsetAt` gives the offset in
 * minutes east of UTC for that local time (the browser's by default).
 * Anything else is returned as typed, for the API to name the problem.
 */
export function localInputToIso(value: string, offsetAt: (local: Date) => number = browserOffset): string {
  const m = LOCAL_INPUT.exec(value.trim());
  if (!m) return value.trim();
  const [, y, mo, d, h, mi, s] = m;
  const local = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0));
  if (Number.isNaN(local.getTime())) return value.trim();
  return `${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${formatOffset(offsetAt(local))}`;
}

/** Minutes east of UTC of the running clock's zone at `local` (getTimezoneOffset counts west). */
export function browserOffset(local: Date): number {
  return -local.getTimezoneOffset() || 0;
}

/**
 * An ISO time as a datetime-local value (`2027-03-01T19:30`) in the zone
 * `offsetAt` describes (the browser's by default); '' for an invalid time.
 */
export function isoToLocalInput(iso: string, offsetAt: (instant: Date) => number = browserOffset): string {
  const instant = new Date(iso);
  if (Number.isNaN(instant.getTime())) return '';
  const shifted = new Date(instant.getTime() + offsetAt(instant) * 60_000);
  return `${shifted.getUTCFullYear()}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
}
