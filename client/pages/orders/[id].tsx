import Head from 'next/head';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useRouter } from 'next/router';
import { useEffect, useRef, useState } from 'react';
import type { RequestFailure } from '../../api/errors';
import type { Order } from '../../api/types';
import ErrorAlert from '../../components/ErrorAlert';
import ErrorBoundary from '../../components/ErrorBoundary';
import LocalTime from '../../components/LocalTime';
import StatusBadge from '../../components/StatusBadge';
import { useNow } from '../../hooks/use-now';
import { useRequest } from '../../hooks/use-request';
import { stripePublishableKey } from '../../lib/config';
import { formatPrice } from '../../lib/format';
import { orderAmounts, seatCount, timesDollars, type OrderAmounts } from '../../lib/marketplace';
import { returnedPaymentIntent, type ReportAnswer } from '../../lib/payment-flow';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

// Stripe's code is only downloaded where it is used, and only in the browser.
const StripePaymentForm = dynamic(() => import('../../components/StripePaymentForm'), {
  ssr: false,
  loading: () => (
    <p className="muted" role="status">
      Loading the payment form…
    </p>
  ),
});

/** The test token Stripe (and stripe-mock) accept for a successful Visa charge. */
const TEST_TOKEN = 'tok_visa';

interface Props extends SessionProps {
  order: Order | null;
  loadError: RequestFailure | null;
  /** The server's clock when the order was read, for the countdown. */
  serverNow: number;
  stripeKey: string | null;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ ctx, client }) => {
  const id = String(ctx.params?.id ?? '');
  const { data, failure } = await fetchData(client.get<Order>(`/api/orders/${encodeURIComponent(id)}`));
  return { order: data, loadError: failure, serverNow: Date.now(), stripeKey: stripePublishableKey() };
});

export default function OrderPage({ order, loadError, serverNow, stripeKey }: Props) {
  if (!order) {
    const notFound = loadError?.status === 404;
    return (
      <>
        <Head>
          <title>{notFound ? 'Order not found' : 'Order'} · Ticketing</title>
        </Head>
        <section className="card">
          <h1>{notFound ? 'Order not found' : 'Could not load this order'}</h1>
          <ErrorAlert errors={loadError?.errors} />
          <p>
            <Link href="/orders">See all orders</Link>
          </p>
        </section>
      </>
    );
  }
  return <OrderView key={order.id} initial={order} serverNow={serverNow} stripeKey={stripeKey} />;
}

function OrderView({ initial, serverNow, stripeKey }: { initial: Order; serverNow: number; stripeKey: string | null }) {
  const router = useRouter();
  const [order, setOrder] = useState(initial);
  const now = useNow(serverNow);
  const payment = useRequest();
  const cancellation = useRequest();
  const busy = payment.pending || cancellation.pending;

  const expiresAt = Date.parse(order.expiresAt);
  const secondsLeft = Number.isNaN(expiresAt) ? 0 : Math.max(0, Math.ceil((expiresAt - now) / 1000));
  const open = order.status === 'created' && secondsLeft > 0;
  const expired = order.status === 'cancelled' || (order.status === 'created' && secondsLeft === 0);
  const amounts = orderAmounts(order);
  // What paying charges: the order's frozen total (a version-1 order: the ticket's price).
  const charge = amounts.total ?? amounts.unitPrice;
  const chargeLabel = charge === null ? '' : formatPrice(charge);

  const pay = (token: string) =>
    payment.run(
      (client) => client.post<{ id: string }>('/api/payments', { token, orderId: order.id }),
      () => router.push('/orders'),
    );

  // The Payment Element's PaymentIntent, once Stripe.js confirmed it: recorded by the payments service.
  const report = async (paymentIntentId: string): Promise<ReportAnswer | null> => {
    const result = await payment.run((client) =>
      client.post<ReportAnswer>('/api/payments/intents/confirmed', { orderId: order.id, paymentIntentId }),
    );
    return result?.ok ? result.data : null;
  };

  // Back from a redirect-based method: report what Stripe appended to the return URL, once.
  const reportedReturn = useRef(false);
  useEffect(() => {
    const returned = returnedPaymentIntent(router.query);
    if (!returned || reportedReturn.current) return;
    reportedReturn.current = true;
    void report(returned).then((answer) => answer && !answer.status && router.push('/orders'));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per arrival from Stripe's redirect (the query), not again when report or router change identity
  }, [router.query]);

  const cancel = () =>
    void cancellation.run(
      (client) => client.delete(`/api/orders/${order.id}`),
      () => setOrder((o) => ({ ...o, status: 'cancelled' })),
    );

  return (
    <>
      <Head>
        <title>{`Order: ${order.ticket?.title ?? order.id} · Ticketing`}</title>
      </Head>
      <section className="card">
        <p className="eyebrow">Order</p>
        <h1>{order.ticket?.title ?? 'Ticket'}</h1>
        {amounts.total !== null ? (
          <Breakdown amounts={amounts} />
        ) : (
          <p className="ticket-price">
            <span className="muted">Price</span> <span className="price price-lg price-all-in">{chargeLabel}</span>
          </p>
        )}
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              <StatusBadge status={order.status} />
            </dd>
          </div>
          {order.status === 'created' && (
            <div>
              <dt>Reserved until</dt>
              <dd>
                <LocalTime iso={order.expiresAt} />
              </dd>
            </div>
          )}
        </dl>

        {order.status === 'complete' && (
          <p className="success" role="status">
            {amounts.quantity > 1 ? 'Paid. These tickets are yours.' : 'Paid. This ticket is yours.'}
          </p>
        )}

        {order.status === 'refunded' && (
          <p className="notice order-refunded" role="status">
            The event was cancelled, so this order was cancelled and its total
            {charge !== null ? ` of ${chargeLabel}` : ''} went back to the card it was paid with.
          </p>
        )}

        {expired && (
          <div className="expired" role="status">
            <p className="expired-title">Order Expired</p>
            <p className="muted">
              {order.status === 'cancelled'
                ? 'This order was cancelled and the ticket was released.'
                : 'The time to pay has run out and the ticket is being released.'}{' '}
              {order.ticket && <Link href={`/tickets/${order.ticket.id}`}>See the ticket</Link>}
            </p>
          </div>
        )}

        {open && (
          <div className="pay">
            <p className="countdown" role="timer">
              Time left to pay: {secondsLeft} seconds
            </p>
            <ErrorAlert errors={payment.errors} title="Payment failed" />
            {stripeKey ? (
              <ErrorBoundary title="The payment form failed">
                <StripePaymentForm
                  stripeKey={stripeKey}
                  orderId={order.id}
                  amountLabel={chargeLabel}
                  report={report}
                  onPaid={() => router.push('/orders')}
                  pending={payment.pending}
                  disabled={busy}
                />
              </ErrorBoundary>
            ) : (
              <button
                type="button"
                className="btn btn-primary"
                onClick={() => void pay(TEST_TOKEN)}
                disabled={busy}
                aria-busy={payment.pending || undefined}
              >
                Pay with test card
              </button>
            )}
            <ErrorAlert errors={cancellation.errors} title="Could not cancel the order" />
            <p className="pay-secondary">
              <button type="button" className="btn btn-link" onClick={cancel} disabled={busy}>
                Cancel order
              </button>
            </p>
          </div>
        )}

        {order.status !== 'created' && order.status !== 'complete' && order.status !== 'cancelled' && order.status !== 'refunded' && (
          <p className="muted">This order is {order.status}.</p>
        )}

        <p className="back">
          <Link href="/orders">← All orders</Link>
        </p>
      </section>
    </>
  );
}

/** What the order charges, the total first, then how it adds up: shown before paying. */
function Breakdown({ amounts }: { amounts: OrderAmounts }) {
  const { quantity, unitPrice, fee, total, allInUnit } = amounts;
  return (
    <div className="order-amounts">
      <p className="order-total">
        <span className="order-total-label">Total</span> <span className="price price-lg price-total">{formatPrice(total ?? NaN)}</span>
      </p>
      {allInUnit !== null && (
        <p className="muted order-total-sub">
          {seatCount(quantity)} × {formatPrice(allInUnit)} each, incl. fees
        </p>
      )}
      {unitPrice !== null && fee !== null && (
        <table className="breakdown">
          <caption>How the total adds up</caption>
          <tbody>
            <tr>
              <th scope="row">Tickets</th>
              <td>
                {quantity} × {formatPrice(unitPrice)}
              </td>
              <td className="amount">{formatPrice(timesDollars(quantity, unitPrice))}</td>
            </tr>
            <tr>
              <th scope="row">Fees</th>
              <td>
                {quantity} × {formatPrice(fee)}
              </td>
              <td className="amount">{formatPrice(timesDollars(quantity, fee))}</td>
            </tr>
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total
              </th>
              <td className="amount">{formatPrice(total ?? NaN)}</td>
            </tr>
          </tfoot>
        </table>
      )}
    </div>
  );
}
