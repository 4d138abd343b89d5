import { requireAuth } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { TicketJSON } from '../../data/ticket';
import { ticketsOf } from '../../domain/tickets';

/** Must be mounted before /api/tickets/:id, or "mine" would be taken for an id. */
export const myTicketsRouter = Router();

/** The caller's listings in every state, newest first, each with its seats held and sold and its status. */
myTicketsRouter.get('/api/tickets/mine', requireAuth, async (req: Request, res: Response) => {
  const tickets = await ticketsOf(req.currentUser!.id);
  // The one response whose listings carry `held`, `sold` and `status` (the model's toJSON leaves them out).
  res.send(tickets.map((t) => ({ ...(t.toJSON() as TicketJSON), held: t.held, sold: t.sold, status: t.status })));
});
