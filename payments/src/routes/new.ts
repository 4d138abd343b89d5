import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import Stripe from 'stripe';
import { DEFAULT_PAY_ORDER_OPTIONS, payOrder, PayOrderOptions } from '../services/charges';

const TOKEN_REQUIRED = 'Token must be provided';
const ORDER_ID_REQUIRED = 'OrderId must be provided';

export function createPaymentRouter(stripe: Stripe, options: Partial<PayOrderOptions> = {}): Router {
  const payOptions: PayOrderOptions = { ...DEFAULT_PAY_ORDER_OPTIONS, ...options };
  const router = Router();
  router.post(
    '/api/payments',
    requireAuth,
    [
      body('token').isString().withMessage(TOKEN_REQUIRED).bail().trim().notEmpty().withMessage(TOKEN_REQUIRED),
      body('orderId').isString().withMessage(ORDER_ID_REQUIRED).bail().trim().isMongoId().withMessage(ORDER_ID_REQUIRED),
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const payment = await payOrder(
        stripe,
        { orderId: req.body.orderId, token: req.body.token, userId: req.currentUser!.id },
        payOptions,
      );
      res.status(201).send({ id: payment.id });
    },
  );
  return router;
}
