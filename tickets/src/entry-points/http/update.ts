import { requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { editTicket } from '../../domain/tickets';
import { ticketBodyRules } from './validators';

export const updateTicketRouter = Router();

/** The owner edits title and price of a ticket nobody holds (domain/tickets.ts: editTicket). */
updateTicketRouter.put(
  '/api/tickets/:id',
  requireAuth,
  validateIdParam(),
  ticketBodyRules,
  validateRequest,
  async (req: Request, res: Response) => {
    const { title, price } = req.body as { title: string; price: number };
    res.send(await editTicket(req.params.id, req.currentUser!.id, { title, price }));
  },
);
