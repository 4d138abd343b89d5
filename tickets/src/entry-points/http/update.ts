import { requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { editTicket } from '../../domain/tickets';
import { feesOf } from './fees';
import { listingInputOf, ticketBodyRules } from './validators';

export const updateTicketRouter = Router();

/** The owner edits a listing nobody holds a seat of (domain/tickets.ts: editTicket). */
updateTicketRouter.put(
  '/api/tickets/:id',
  requireAuth,
  validateIdParam(),
  ticketBodyRules('edit'),
  validateRequest,
  async (req: Request, res: Response) => {
    const changes = listingInputOf(req);
    res.send(await editTicket(req.params.id, req.currentUser!.id, changes, feesOf(req)));
  },
);
