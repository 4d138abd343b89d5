import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import Stripe from 'stripe';
import { DEFAULT_PAY_ORDER_OPTIONS, payOrder, PayOrderOptions } from '../../domain/charges';
import { createOrderIntent, recordBrowserIntent } from '../../domain/intents';

const TOKEN_REQUIRED = 'Token must be provided';
const ORDER_ID_REQUIRED = 'OrderId must be provided';
const INTENT_REQUIRED = 'PaymentIntentId must be provided';

const orderIdRule = () =>
  body('orderId').isString().withMessage(ORDER_ID_REQUIRED).bail().trim().isMongoId().withMessage(ORDER_ID_REQUIRED);

export function createPaymentRouter(stripe: Stripe, options: Partial<PayOrderOptions> = {}): Router {
  const payOptions: PayOrderOptions = { ...DEFAULT_PAY_ORDER_OPTIONS, ...options };
  const router = Router();
  router.post(
    '/api/payments',
    requireAuth,
    [body('token').isString().withMessage(TOKEN_REQUIRED).bail().trim().notEmpty().withMessage(TOKEN_REQUIRED), orderIdRule()],
    validateRequest,
    async (req: Request, res: Response) => {
      const { payment, intentStatus, clientSecret } = await payOrder(
        stripe,
        { orderId: req.body.orderId, token: req.body.token, userId: req.currentUser!.id },
        payOptions,
      );
      if (intentStatus) {
        // The PaymentIntent needs the buyer (3-D Secure) or is processing: not paid yet, not failed.
        res.status(202).send({ id: payment.id, status: intentStatus, clientSecret });
        return;
      }
      res.status(201).send({ id: payment.id });
    },
  );
  router.post('/api/payments/intents', requireAuth, [orderIdRule()], validateRequest, async (req: Request, res: Response) => {
    const { clientSecret, paymentIntentId } = await createOrderIntent(stripe, { orderId: req.body.orderId, userId: req.currentUser!.id });
    res.status(201).send({ clientSecret, paymentIntentId });
  });
  router.post(
    '/api/payments/intents/confirmed',
    requireAuth,
    [
      orderIdRule(),
      body('paymentIntentId').isString().withMessage(INTENT_REQUIRED).bail().trim().matches(/^pi_\w+$/).withMessage(INTENT_REQUIRED),
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const { payment, intentStatus } = await recordBrowserIntent(stripe, {
        orderId: req.body.orderId,
        paymentIntentId: req.body.paymentIntentId,
        userId: req.currentUser!.id,
      });
      if (intentStatus) {
        res.status(202).send({ id: payment.id, status: intentStatus });
        return;
      }
      res.status(201).send({ id: payment.id });
    },
  );
  return router;
}
