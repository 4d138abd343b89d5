import { Request } from 'express';
import { matchedData } from 'express-validator';
import { EventDetails } from '../../domain/events';

/** The event's details from a validated POST or PUT body (validators.ts: eventBodyRules); a blank performer is none. */
export function eventDetails(req: Request): EventDetails {
  const { name, performer, venue, city, startsAt, category } = matchedData(req, { locations: ['body'] }) as EventDetails & { performer?: string | null };
  return { name, venue, city, startsAt, category, ...(performer ? { performer } : {}) };
}
