import { FeeSettings, MAX_SEATS_PER_LISTING, requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import { HoldLimit, withinHoldLimit } from '../../domain/hold-limit';
import { placeOrder } from '../../domain/orders';

const TICKET_ID_MESSAGE = 'TicketId must be provided';
export const QUANTITY_MESSAGE = `Quantity must be between 1 and ${MAX_SEATS_PER_LISTING}`;

export function newOrderRouter(options: { windowSeconds: number; holds: HoldLimit; fees: FeeSettings }): Router {
  const router = Router();
  router.post(
    '/api/orders',
    requireAuth,
    [
      body('ticketId')
        .isString()
        .withMessage(TICKET_ID_MESSAGE)
        .bail()
        .isMongoId()
        .withMessage(TICKET_ID_MESSAGE),
      // A JSON integer, as docs/openapi.yaml says; absent: one seat, as in version 1.
      body('quantity')
        .optional()
        .custom((value) => Number.isInteger(value) && value >= 1 && value <= MAX_SEATS_PER_LISTING)
        .withMessage(QUANTITY_MESSAGE),
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const userId = req.currentUser!.id;
      const expiresAt = new Date(Date.now() + options.windowSeconds * 1000);
      const order = await withinHoldLimit(options.holds, userId, expiresAt, () =>
        placeOrder({
          ticketId: req.body.ticketId,
          userId,
          quantity: req.body.quantity ?? 1,
          windowSeconds: options.windowSeconds,
          fees: options.fees,
        }),
      );
      // placeOrder built the order around the reserved ticket: no second read of it.
      if (!order.populated('ticket')) await order.populate('ticket');
      res.status(201).send(order);
    },
  );
  return router;
}
