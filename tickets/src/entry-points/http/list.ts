import { validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { matchedData } from 'express-validator';
import { availableTickets } from '../../domain/tickets';
import { DEFAULT_LIMIT, listQueryRules } from './validators';

export const listTicketsRouter = Router();

/** Available tickets (not reserved, not sold), newest first; `q` searches titles. */
listTicketsRouter.get('/api/tickets', listQueryRules, validateRequest, async (req: Request, res: Response) => {
  const { q, limit = DEFAULT_LIMIT, offset = 0 } = matchedData(req, { locations: ['query'] }) as {
    q?: string;
    limit?: number;
    offset?: number;
  };
  res.send(await availableTickets({ q, limit, offset }));
});
