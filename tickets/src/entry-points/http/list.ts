import { validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { matchedData } from 'express-validator';
import { availableFilter, Ticket } from '../../data/ticket';
import { DEFAULT_LIMIT, escapeRegExp, listQueryRules } from './validators';

export const listTicketsRouter = Router();

/** Available tickets (not reserved, not sold), newest first; `q` searches titles. */
listTicketsRouter.get('/api/tickets', listQueryRules, validateRequest, async (req: Request, res: Response) => {
  const { q, limit = DEFAULT_LIMIT, offset = 0 } = matchedData(req, { locations: ['query'] }) as {
    q?: string;
    limit?: number;
    offset?: number;
  };
  const filter: Record<string, unknown> = { ...availableFilter };
  if (q) filter.title = { $regex: escapeRegExp(q), $options: 'i' };
  const tickets = await Ticket.find(filter).sort({ createdAt: -1, _id: -1 }).skip(offset).limit(limit);
  res.send(tickets);
});
