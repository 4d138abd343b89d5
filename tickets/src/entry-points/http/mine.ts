import { requireAuth } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { TicketJSON } from '../../data/ticket';
import { ticketsOf } from '../../domain/tickets';

/** Must be mounted before /api/tickets/:id, or "mine" would be taken for an id. */
export const myTicketsRouter = Router();

/** The caller's tickets in every state, newest first, each with its status. */
myTicketsRouter.get('/api/tickets/mine', requireAuth, async (req: Request, res: Response) => {
  const tickets = await ticketsOf(req.currentUser!.id);
  // The one response whose tickets carry `status` (the model's toJSON leaves it out).
  res.send(tickets.map((t) => ({ ...(t.toJSON() as TicketJSON), status: t.status })));
});
