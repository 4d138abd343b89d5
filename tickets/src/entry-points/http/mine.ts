import { requireAuth } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { Ticket, TicketJSON } from '../../data/ticket';

/** Must be mounted before /api/tickets/:id, or "mine" would be taken for an id. */
export const myTicketsRouter = Router();

/** The caller's tickets in every state, newest first, each with its status. */
myTicketsRouter.get('/api/tickets/mine', requireAuth, async (req: Request, res: Response) => {
  const tickets = await Ticket.find({ userId: req.currentUser!.id }).sort({ createdAt: -1, _id: -1 });
  // The one response whose tickets carry `status` (the model's toJSON leaves it out).
  res.send(tickets.map((t) => ({ ...(t.toJSON() as TicketJSON), status: t.status })));
});
