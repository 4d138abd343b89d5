import { BadRequestError, NotAuthorizedError, NotFoundError, requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { Ticket, TicketStatus } from '../../data/ticket';
import { retryOnVersionConflict } from '../../domain/retry';
import { ticketBodyRules } from './validators';

export const RESERVED_MESSAGE = 'Cannot edit a reserved ticket';

export const updateTicketRouter = Router();

/**
 * The owner edits title and price while nobody holds the ticket (neither
 * reserved nor sold). The save is conditional on the version read here; when
 * a concurrent edit or reservation wins, the edit is decided again on the
 * fresh ticket (applied on top of the other edit, or refused as reserved).
 */
updateTicketRouter.put(
  '/api/tickets/:id',
  requireAuth,
  validateIdParam(),
  ticketBodyRules,
  validateRequest,
  async (req: Request, res: Response) => {
    const { title, price } = req.body as { title: string; price: number };
    // A reservation or another edit saved between the read and the save: decide again on the fresh ticket.
    const ticket = await retryOnVersionConflict(async () => {
      const current = await Ticket.findById(req.params.id);
      if (!current) throw new NotFoundError();
      if (current.userId !== req.currentUser!.id) throw new NotAuthorizedError();
      // Locked: reserved by an order, or sold (a sold ticket keeps its orderId for
      // good). The contract has one message for both.
      if (current.status !== TicketStatus.Available) throw new BadRequestError(RESERVED_MESSAGE);
      current.set({ title, price });
      // Nothing changed: no new version, no event.
      if (current.isModified()) await current.saveWithEvent();
      return current;
    });
    res.send(ticket);
  },
);
