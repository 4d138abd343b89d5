import { validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { matchedData } from 'express-validator';
import { ListingSort } from '../../data/ticket';
import { availableTickets } from '../../domain/tickets';
import { DEFAULT_LIMIT, listQueryRules } from './validators';

export const listTicketsRouter = Router();

/** Listings with seats free, not cancelled: newest first, or cheapest all-in first (`sort=price`); `q` searches titles, `eventId` keeps one event's. */
listTicketsRouter.get('/api/tickets', listQueryRules, validateRequest, async (req: Request, res: Response) => {
  const { q, eventId, sort, limit = DEFAULT_LIMIT, offset = 0 } = matchedData(req, { locations: ['query'] }) as {
    q?: string;
    eventId?: string;
    sort?: ListingSort;
    limit?: number;
    offset?: number;
  };
  res.send(await availableTickets({ q, eventId, sort, limit, offset }));
});
