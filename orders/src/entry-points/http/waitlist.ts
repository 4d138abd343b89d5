import { MAX_SEATS_PER_LISTING, requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import { entriesOf, joinWaitlist, leaveWaitlist } from '../../domain/waitlist';

const TICKET_ID_MESSAGE = 'TicketId must be provided';
const QUANTITY_MESSAGE = `Quantity must be between 1 and ${MAX_SEATS_PER_LISTING}`;

/** POST/GET /api/waitlist and DELETE /api/waitlist/:id (docs/waitlist.md). */
export const waitlistRouter = Router();

waitlistRouter.post(
  '/api/waitlist',
  requireAuth,
  [
    body('ticketId').isString().withMessage(TICKET_ID_MESSAGE).bail().isMongoId().withMessage(TICKET_ID_MESSAGE),
    // A JSON integer, as docs/openapi.yaml says; absent: one seat.
    body('quantity')
      .optional()
      .custom((value) => Number.isInteger(value) && value >= 1 && value <= MAX_SEATS_PER_LISTING)
      .withMessage(QUANTITY_MESSAGE),
  ],
  validateRequest,
  async (req: Request, res: Response) => {
    const entry = await joinWaitlist({ ticketId: req.body.ticketId, userId: req.currentUser!.id, quantity: req.body.quantity ?? 1 });
    res.status(201).send(entry);
  },
);

waitlistRouter.get('/api/waitlist', requireAuth, async (req: Request, res: Response) => {
  res.send(await entriesOf(req.currentUser!.id));
});

waitlistRouter.delete('/api/waitlist/:id', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
  await leaveWaitlist(req.params.id, req.currentUser!.id);
  res.status(204).send();
});
