import { requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body, query } from 'express-validator';
import { PassKeys } from '../../domain/pass-codes';
import { passesOf, scanPass, transferPass } from '../../domain/passes';

export const EMAIL_INVALID = 'Email must be valid';
export const ORDER_ID_INVALID = 'orderId must be an order id';
export const CODE_REQUIRED = 'Code is required';

/** GET /api/passes, POST /api/passes/scan (before /:id/transfer), POST /api/passes/:id/transfer. */
export function passesRouter(passKeys: PassKeys, adminEmails: readonly string[]): Router {
  const router = Router();

  /** The caller's passes, every status; `orderId` keeps one order's. */
  router.get(
    '/api/passes',
    requireAuth,
    query('orderId').optional().isString().matches(/^[0-9a-f]{24}$/).withMessage(ORDER_ID_INVALID),
    validateRequest,
    async (req: Request, res: Response) => {
      res.send(await passesOf(req.currentUser!.id, req.query.orderId as string | undefined));
    },
  );

  /** The gate: the organizer of the pass's event (or an admin) admits its holder, once. */
  router.post(
    '/api/passes/scan',
    requireAuth,
    body('code').isString().withMessage(CODE_REQUIRED).bail().trim().notEmpty().withMessage(CODE_REQUIRED),
    validateRequest,
    async (req: Request, res: Response) => {
      res.send(await scanPass(req.body.code as string, req.currentUser!, adminEmails, passKeys));
    },
  );

  /** The holder sends the pass to another registered user: the old code is void, theirs is new. */
  router.post(
    '/api/passes/:id/transfer',
    requireAuth,
    validateIdParam(),
    body('email').isString().withMessage(EMAIL_INVALID).bail().trim().isEmail().withMessage(EMAIL_INVALID),
    validateRequest,
    async (req: Request, res: Response) => {
      res.send(await transferPass(req.params.id, req.currentUser!, req.body.email as string, passKeys));
    },
  );

  return router;
}
