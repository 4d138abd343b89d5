import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { listTicket } from '../../domain/tickets';
import { ticketBodyRules } from './validators';

export const createTicketRouter = Router();

/** Lists a ticket for sale; ticket:created goes out through the outbox. */
createTicketRouter.post('/api/tickets', requireAuth, ticketBodyRules, validateRequest, async (req: Request, res: Response) => {
  const { title, price } = req.body as { title: string; price: number };
  res.status(201).send(await listTicket({ title, price, userId: req.currentUser!.id }));
});
