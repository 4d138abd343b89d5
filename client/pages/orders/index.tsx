import Head from 'next/head';
import Link from 'next/link';
import type { RequestFailure } from '../../api/errors';
import type { Order } from '../../api/types';
import ErrorAlert from '../../components/ErrorAlert';
import LocalTime from '../../components/LocalTime';
import StatusBadge from '../../components/StatusBadge';
import { formatPrice } from '../../lib/format';
import { orderAmounts, seatCount } from '../../lib/marketplace';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

interface Props extends SessionProps {
  orders: Order[];
  loadError: RequestFailure | null;
  serverNow: number;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ client }) => {
  const { data, failure } = await fetchData(client.get<Order[]>('/api/orders'));
  return { orders: Array.isArray(data) ? data : [], loadError: failure, serverNow: Date.now() };
});

export default function MyOrdersPage({ orders, loadError, serverNow }: Props) {
  return (
    <>
      <Head>
        <title>My Orders · Ticketing</title>
      </Head>
      <h1>My Orders</h1>
      <ErrorAlert errors={loadError?.errors} title="Could not load your orders" />
      {!loadError && orders.length === 0 && (
        <p className="empty">
          You have no orders yet. <Link href="/">Find a ticket</Link>.
        </p>
      )}
      {orders.length > 0 && (
        <ul className="list" aria-label="My orders">
          {orders.map((order) => {
            const payable = order.status === 'created' && Date.parse(order.expiresAt) > serverNow;
            const amounts = orderAmounts(order);
            // The total paid or to pay, fees included (a version-1 order: the ticket's price).
            const shown = amounts.total ?? amounts.unitPrice;
            return (
              <li key={order.id} className="row row-with-meta">
                <span className="row-main">
                  <Link href={`/orders/${order.id}`} className="row-title">
                    {order.ticket?.title ?? 'Ticket'}
                  </Link>
                  <span className="row-sub muted">
                    {seatCount(amounts.quantity)}
                    {order.status === 'refunded' && ' · Event cancelled, total refunded to your card'}
                    {payable && (
                      <>
                        {' · '}Pay by <LocalTime iso={order.expiresAt} />
                      </>
                    )}
                  </span>
                </span>
                <span className="row-meta">
                  {shown !== null && (
                    <span className="price order-row-total">
                      {formatPrice(shown)}
                      {amounts.total !== null && <span className="all-in-note"> total</span>}
                    </span>
                  )}
                  <StatusBadge status={order.status} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
