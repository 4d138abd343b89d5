import { BadRequestError, SimpleError } from '@ticketing/common';
import express, { Request, Response, Router } from 'express';
import Stripe from 'stripe';
import { handleStripeEvent } from '../../domain/webhooks';

export const WEBHOOK_PATH = '/api/payments/webhook';
export const BAD_SIGNATURE = 'Invalid Stripe signature';
export const NOT_CONFIGURED = 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)';

/** No signing secret configured: events cannot be checked, so none is taken (Stripe retries later). */
class WebhooksNotConfiguredError extends SimpleError {
  statusCode = 503;
  constructor() {
    super(NOT_CONFIGURED);
  }
}

/**
 * POST /api/payments/webhook: Stripe's events, signature checked over the raw
 * body. Mounted as one of the service app's raw-body routers, ahead of its
 * JSON-only rule and JSON parser, which would consume the body.
 */
export function createWebhookRouter(stripe: Stripe, webhookSecret: string | undefined): Router {
  const router = Router();
  router.post(
    WEBHOOK_PATH,
    express.raw({ type: () => true, limit: '1mb' }),
    async (req: Request, res: Response) => {
      if (!webhookSecret) throw new WebhooksNotConfiguredError();
      const signature = req.header('stripe-signature');
      const payload = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let event: Stripe.Event;
      try {
        if (!signature) throw new Stripe.errors.StripeSignatureVerificationError(signature ?? '', payload, { message: 'No signature' });
        event = stripe.webhooks.constructEvent(payload, signature, webhookSecret);
      } catch (err) {
        if (err instanceof Stripe.errors.StripeSignatureVerificationError) throw new BadRequestError(BAD_SIGNATURE);
        throw err;
      }
      const outcome = await handleStripeEvent(stripe, event);
      res.status(200).send({ received: true, outcome });
    },
  );
  return router;
}
