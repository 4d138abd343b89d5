// How the order page pays with Stripe's Payment Element, without React or
// Stripe.js in it (unit-tested in test/payment-flow.test.ts; Stripe.js itself
// cannot be loaded in this project's tests, see docs/architecture.md).
//
//   1. POST /api/payments/intents { orderId } → { clientSecret, paymentIntentId }
//   2. the Payment Element collects the card; Stripe.js's confirmPayment
//      confirms the PaymentIntent with Stripe (3-D Secure on the spot; a
//      redirect only for methods that need one)
//   3. POST /api/payments/intents/confirmed { orderId, paymentIntentId }: the
//      server reads the PaymentIntent back from Stripe and records it (Stripe's
//      webhook records it too; the two meet at one record)

/** What Stripe.js's confirmPayment came back with, reduced to what the flow needs. */
export interface ConfirmResult {
  paymentIntentId?: string;
  status?: string;
  /** Stripe.js's message (a decline, an incomplete card): shown under the form. */
  error?: string;
}

/** The server's answer to the report: 201 `{ id }`, or 202 `{ id, status }` while not finished. */
export interface ReportAnswer {
  id: string;
  status?: string;
}

export type PaymentFlowOutcome =
  /** Recorded as paid: the page moves on. */
  | { kind: 'paid'; paymentId: string }
  /** Stripe is still processing it: the page says so; the webhook records how it ends. */
  | { kind: 'processing'; paymentId: string }
  /** Stripe.js refused before anything was charged: the message goes under the form. */
  | { kind: 'card-error'; message: string }
  /** The report failed (its errors are the page's to show, e.g. a 402 or 400). */
  | { kind: 'report-failed' };

export interface PaymentFlowSteps {
  confirm: () => Promise<ConfirmResult>;
  /** Resolves with the server's answer, or null when it failed (or another report is in flight). */
  report: (paymentIntentId: string) => Promise<ReportAnswer | null>;
}

const UNREADABLE = 'Your payment could not be completed.';

export async function payWithPaymentElement({ confirm, report }: PaymentFlowSteps): Promise<PaymentFlowOutcome> {
  let confirmed: ConfirmResult;
  try {
    confirmed = await confirm();
  } catch (err) {
    return { kind: 'card-error', message: err instanceof Error && err.message ? err.message : UNREADABLE };
  }
  if (confirmed.error || !confirmed.paymentIntentId) return { kind: 'card-error', message: confirmed.error || UNREADABLE };
  const answer = await report(confirmed.paymentIntentId);
  if (!answer) return { kind: 'report-failed' };
  return answer.status ? { kind: 'processing', paymentId: answer.id } : { kind: 'paid', paymentId: answer.id };
}

/**
 * The PaymentIntent a redirect-based method came back with (Stripe appends
 * `payment_intent` and `redirect_status` to the return URL), to be reported
 * like one confirmed on the page.
 */
export function returnedPaymentIntent(query: Record<string, string | string[] | undefined>): string | null {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const id = first(query.payment_intent);
  const status = first(query.redirect_status);
  return id && /^pi_\w+$/.test(id) && status && status !== 'failed' ? id : null;
}
