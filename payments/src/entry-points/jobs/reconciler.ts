import { PeriodicJob } from '@ticketing/common';
import Stripe from 'stripe';
import { reconcile } from '../../domain/reconciliation';

/** Runs the reconciliation (domain/reconciliation) every intervalMs, one run at a time. */
export class PaymentReconciler extends PeriodicJob {
  constructor(stripe: Stripe, intervalMs = 30000) {
    super({ intervalMs, pass: () => reconcile(stripe), failure: { level: 'warn', message: 'payment reconciliation failed; will retry' } });
  }
}
