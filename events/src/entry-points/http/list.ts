import { EventCategory, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { matchedData } from 'express-validator';
import { upcomingEvents } from '../../domain/events';
import { DEFAULT_LIMIT, listQueryRules } from './validators';

export const listEventsRouter = Router();

/** Scheduled events that have not started, soonest first; searched by text, category, city and start time. */
listEventsRouter.get('/api/events', listQueryRules, validateRequest, async (req: Request, res: Response) => {
  const { q, category, city, from, to, limit = DEFAULT_LIMIT, offset = 0 } = matchedData(req, { locations: ['query'] }) as {
    q?: string;
    category?: EventCategory;
    city?: string;
    from?: Date;
    to?: Date;
    limit?: number;
    offset?: number;
  };
  res.send(await upcomingEvents({ ...(q ? { q } : {}), ...(category ? { category } : {}), ...(city ? { city } : {}), from, to, limit, offset }));
});
