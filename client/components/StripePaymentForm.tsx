import { Elements, PaymentElement, useElements, useStripe } from '@stripe/react-stripe-js';
import type { Stripe } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { useEffect, useState, type FormEvent } from 'react';
import { buildClient } from '../api/build-client';
import { toFailure } from '../api/errors';
import type { ApiError } from '../api/types';
import { payWithPaymentElement, type PaymentFlowOutcome, type ReportAnswer } from '../lib/payment-flow';
import ErrorAlert from './ErrorAlert';

// Stripe.js is fetched from Stripe only here, when a publishable key is
// configured and an order is being paid (the /pure import loads nothing by itself).
const loaders = new Map<string, Promise<Stripe | null>>();
function getStripe(key: string): Promise<Stripe | null> {
  let loader = loaders.get(key);
  if (!loader) {
    loader = loadStripe(key);
    loader.catch(() => loaders.delete(key)); // a later attempt may succeed
    loaders.set(key, loader);
  }
  return loader;
}

interface Props {
  stripeKey: string;
  orderId: string;
  amountLabel: string;
  /** POST /api/payments/intents/confirmed through the page's request state (its errors are shown there). */
  report: (paymentIntentId: string) => Promise<ReportAnswer | null>;
  /** After a recorded payment (the page moves on). */
  onPaid: () => unknown;
  /** A report is in flight. */
  pending: boolean;
  disabled?: boolean;
}

/**
 * Stripe's Payment Element for an order: a PaymentIntent from
 * POST /api/payments/intents, confirmed in the browser by Stripe.js (card data
 * goes to Stripe only), then reported to us (see lib/payment-flow.ts).
 */
export default function StripePaymentForm({ stripeKey, orderId, ...props }: Props) {
  const [stripe, setStripe] = useState<Stripe | null>(null);
  const [clientSecret, setClientSecret] = useState<string | null>(null);
  const [loadErrors, setLoadErrors] = useState<ApiError[] | null>(null);

  useEffect(() => {
    let live = true;
    Promise.all([
      getStripe(stripeKey),
      buildClient().post<{ clientSecret: string }>('/api/payments/intents', { orderId }),
    ]).then(
      ([instance, res]) => {
        if (!live) return;
        if (!instance) setLoadErrors([{ message: 'Stripe is not available in this browser.' }]);
        else {
          setStripe(instance);
          setClientSecret(res.data.clientSecret);
        }
      },
      (err: unknown) => {
        if (live) setLoadErrors(toFailure(err).errors);
      },
    );
    return () => {
      live = false;
    };
  }, [stripeKey, orderId]);

  if (loadErrors) return <ErrorAlert errors={loadErrors} title="The payment form could not be loaded" />;
  if (!stripe || !clientSecret) {
    return (
      <p className="muted" role="status">
        Loading the payment form…
      </p>
    );
  }
  return (
    <Elements stripe={stripe} options={{ clientSecret }}>
      <PaymentForm {...props} />
    </Elements>
  );
}

function PaymentForm({ amountLabel, report, onPaid, pending, disabled }: Omit<Props, 'stripeKey' | 'orderId'>) {
  const stripe = useStripe();
  const elements = useElements();
  const [formError, setFormError] = useState<string | null>(null);
  const [processing, setProcessing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const busy = confirming || pending;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!stripe || !elements || busy) return;
    setConfirming(true);
    setFormError(null);
    try {
      const outcome: PaymentFlowOutcome = await payWithPaymentElement({
        confirm: async () => {
          const { error: incomplete } = await elements.submit();
          if (incomplete) return { error: incomplete.message };
          const { error, paymentIntent } = await stripe.confirmPayment({
            elements,
            // Cards (3-D Secure included) finish here; only a redirect-based method leaves the page.
            redirect: 'if_required',
            confirmParams: { return_url: window.location.href },
          });
          return error ? { error: error.message } : { paymentIntentId: paymentIntent?.id, status: paymentIntent?.status };
        },
        report,
      });
      if (outcome.kind === 'card-error') setFormError(outcome.message);
      if (outcome.kind === 'processing') setProcessing(true);
      if (outcome.kind === 'paid') await onPaid();
    } finally {
      setConfirming(false);
    }
  };

  if (processing) {
    return (
      <p className="muted" role="status">
        Your payment is being processed. This order shows as complete once Stripe confirms it.
      </p>
    );
  }
  return (
    <form className="card-form" onSubmit={onSubmit}>
      <PaymentElement />
      {formError && (
        <p className="field-error" data-field="card" role="alert">
          {formError}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={!stripe || busy || disabled} aria-busy={busy || undefined}>
        Pay {amountLabel}
      </button>
    </form>
  );
}
