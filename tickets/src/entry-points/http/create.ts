import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { matchedData } from 'express-validator';
import { ListingInput, listTicket } from '../../domain/tickets';
import { feesOf } from './fees';
import { ticketBodyRules } from './validators';

export const createTicketRouter = Router();

/** Lists seats for sale; ticket:created goes out through the outbox. */
createTicketRouter.post('/api/tickets', requireAuth, ticketBodyRules('create'), validateRequest, async (req: Request, res: Response) => {
  const listing = matchedData(req, { locations: ['body'] }) as ListingInput;
  res.status(201).send(await listTicket({ ...listing, userId: req.currentUser!.id }, feesOf(req)));
});
