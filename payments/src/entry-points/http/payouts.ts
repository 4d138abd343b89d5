import { NotFoundError, requireAuth } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import Stripe from 'stripe';
import { payoutView } from '../../data/payout';
import { openSellerAccount, payoutsOfSeller, sellerAccountOf } from '../../domain/payouts';

/** Seller payouts: the caller's Connect account (and its onboarding link), and the caller's payouts. */
export function createPayoutRouter(stripe: Stripe, onboardingReturnUrl: string): Router {
  const router = Router();
  router.post('/api/payouts/account', requireAuth, async (req: Request, res: Response) => {
    const { created, accountId, onboardingUrl } = await openSellerAccount(stripe, req.currentUser!.id, onboardingReturnUrl);
    res.status(created ? 201 : 200).send({ accountId, onboardingUrl });
  });
  router.get('/api/payouts/account', requireAuth, async (req: Request, res: Response) => {
    const accountId = await sellerAccountOf(req.currentUser!.id);
    if (!accountId) throw new NotFoundError();
    res.send({ accountId });
  });
  router.get('/api/payouts', requireAuth, async (req: Request, res: Response) => {
    const payouts = await payoutsOfSeller(req.currentUser!.id);
    res.send(payouts.map(payoutView));
  });
  return router;
}
