import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { listTicket } from '../../domain/tickets';
import { feesOf } from './fees';
import { listingInputOf, ticketBodyRules } from './validators';

export const createTicketRouter = Router();

/** Lists seats for sale; ticket:created goes out through the outbox. */
createTicketRouter.post('/api/tickets', requireAuth, ticketBodyRules('create'), validateRequest, async (req: Request, res: Response) => {
  const listing = listingInputOf(req);
  res.status(201).send(await listTicket({ ...listing, userId: req.currentUser!.id }, feesOf(req)));
});
