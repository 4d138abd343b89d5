import { audit, currentRequestId, requestContext } from '@ticketing/common';
import { RequestHandler } from 'express';

/**
 * The audit trail of POST /api/payments, from the answer: a 201 is a charge,
 * a 402 a decline. Kept beside the route (not in it) so the payment flow
 * stays as it is. Never logs the card token.
 */
export const auditPayments: RequestHandler = (req, res, next) => {
  const requestId = currentRequestId() ?? '';
  res.on('finish', () => {
    const event = res.statusCode === 201 ? 'payment.charged' : res.statusCode === 402 ? 'payment.declined' : undefined;
    if (!event) return;
    const orderId = typeof req.body?.orderId === 'string' ? req.body.orderId : undefined;
    requestContext.run({ requestId }, () => audit(event, { userId: req.currentUser?.id, orderId }));
  });
  next();
};
