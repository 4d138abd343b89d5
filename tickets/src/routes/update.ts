import { BadRequestError, NotAuthorizedError, NotFoundError, requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { Ticket, TicketStatus } from '../models/ticket';
import { ticketBodyRules } from './validators';

export const RESERVED_MESSAGE = 'Cannot edit a reserved ticket';

export const updateTicketRouter = Router();

/**
 * The owner edits title and price while nobody holds the ticket (neither
 * reserved nor sold). The save is conditional on the version read here, so a
 * concurrent edit or reservation makes it fail with 409 instead of being
 * overwritten.
 */
updateTicketRouter.put(
  '/api/tickets/:id',
  requireAuth,
  validateIdParam(),
  ticketBodyRules,
  validateRequest,
  async (req: Request, res: Response) => {
    const ticket = await Ticket.findById(req.params.id);
    if (!ticket) throw new NotFoundError();
    if (ticket.userId !== req.currentUser!.id) throw new NotAuthorizedError();
    // Locked: reserved by an order, or sold (a sold ticket keeps its orderId for
    // good). The contract has one message for both.
    if (ticket.status !== TicketStatus.Available) throw new BadRequestError(RESERVED_MESSAGE);

    const { title, price } = req.body as { title: string; price: number };
    ticket.set({ title, price });
    // Nothing changed: no new version, no event.
    if (ticket.isModified()) await ticket.saveWithEvent();
    res.send(ticket);
  },
);
