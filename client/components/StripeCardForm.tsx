import { CardElement, Elements, useElements, useStripe } from '@stripe/react-stripe-js';
import type { Stripe, StripeCardElementChangeEvent } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { useEffect, useState, type FormEvent } from 'react';
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
  amountLabel: string;
  /** The API call with the card's token; resolves once it is done. */
  onToken: (token: string) => Promise<unknown>;
  /** The payment request is in flight. */
  pending: boolean;
  disabled?: boolean;
}

/** Stripe's card form: the card data goes to Stripe, only the token to us. */
export default function StripeCardForm({ stripeKey, ...props }: Props) {
  const [stripe, setStripe] = useState<Stripe | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    getStripe(stripeKey).then(
      (instance) => {
        if (!live) return;
        if (instance) setStripe(instance);
        else setLoadError('Stripe is not available in this browser.');
      },
      (err: unknown) => {
        if (live) setLoadError(err instanceof Error ? err.message : 'Could not load Stripe.');
      },
    );
    return () => {
      live = false;
    };
  }, [stripeKey]);

  if (loadError) {
    return <ErrorAlert errors={[{ message: loadError }]} title="The card form could not be loaded" />;
  }
  if (!stripe) {
    return (
      <p className="muted" role="status">
        Loading the card form…
      </p>
    );
  }
  return (
    <Elements stripe={stripe}>
      <CardForm {...props} />
    </Elements>
  );
}

function CardForm({ amountLabel, onToken, pending, disabled }: Omit<Props, 'stripeKey'>) {
  const stripe = useStripe();
  const elements = useElements();
  const [cardError, setCardError] = useState<string | null>(null);
  const [tokenizing, setTokenizing] = useState(false);
  const busy = tokenizing || pending;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!stripe || !elements || busy) return;
    const card = elements.getElement(CardElement);
    if (!card) return;
    setTokenizing(true);
    setCardError(null);
    try {
      const { token, error } = await stripe.createToken(card);
      if (error || !token) {
        setCardError(error?.message ?? 'Your card could not be read.');
        return;
      }
      await onToken(token.id);
    } catch (err) {
      setCardError(err instanceof Error ? err.message : 'Your card could not be read.');
    } finally {
      setTokenizing(false);
    }
  };

  return (
    <form className="card-form" onSubmit={onSubmit}>
      <span id="card-label" className="label">
        Card
      </span>
      <div className="card-element" role="group" aria-labelledby="card-label">
        <CardElement
          options={{ style: { base: { fontSize: '16px' } } }}
          onChange={(e: StripeCardElementChangeEvent) => setCardError(e.error?.message ?? null)}
        />
      </div>
      {cardError && (
        <p className="field-error" data-field="card" role="alert">
          {cardError}
        </p>
      )}
      <button type="submit" className="btn btn-primary" disabled={!stripe || busy || disabled} aria-busy={busy || undefined}>
        Pay {amountLabel}
      </button>
    </form>
  );
}
