import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import { placeOrder } from '../services/orders';

const TICKET_ID_MESSAGE = 'TicketId must be provided';

export function newOrderRouter(options: { windowSeconds: number }): Router {
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
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const order = await placeOrder({
        ticketId: req.body.ticketId,
        userId: req.currentUser!.id,
        windowSeconds: options.windowSeconds,
      });
      await order.populate('ticket');
      res.status(201).send(order);
    },
  );
  return router;
}
