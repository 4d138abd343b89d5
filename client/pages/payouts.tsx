import Head from 'next/head';
import Link from 'next/link';
import { useState } from 'react';
import type { RequestFailure } from '../api/errors';
import type { Payout, PayoutAccount } from '../api/types';
import ErrorAlert from '../components/ErrorAlert';
import LocalTime from '../components/LocalTime';
import StatusBadge from '../components/StatusBadge';
import { useRequest } from '../hooks/use-request';
import { formatPrice } from '../lib/format';
import { payoutStatusMeaning } from '../lib/payouts';
import { fetchData, withSession, type SessionProps } from '../lib/session';

interface Props extends SessionProps {
  payouts: Payout[];
  /** The seller's Connect account, when they set one up before (null: not yet, or it could not be read). */
  accountId: string | null;
  loadError: RequestFailure | null;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ client }) => {
  // A 404 for the account only means "not set up yet": the page then offers to set it up.
  const [payouts, account] = await Promise.all([
    fetchData(client.get<Payout[]>('/api/payouts')),
    fetchData(client.get<{ accountId: string }>('/api/payouts/account')),
  ]);
  return {
    payouts: Array.isArray(payouts.data) ? payouts.data : [],
    accountId: typeof account.data?.accountId === 'string' ? account.data.accountId : null,
    loadError: payouts.failure,
  };
});

export default function PayoutsPage({ payouts, accountId, loadError }: Props) {
  return (
    <>
      <Head>
        <title>Payouts · Ticketing</title>
      </Head>
      <h1>Payouts</h1>
      <p className="muted">
        For every ticket you sell you get its price (the buyer&apos;s fee stays with Ticketing), sent to your bank
        account a few days after the event.
      </p>
      <PayoutAccountSetup accountId={accountId} />
      <h2>Your payouts</h2>
      <ErrorAlert errors={loadError?.errors} title="Could not load your payouts" />
      {!loadError && payouts.length === 0 && (
        <p className="empty">
          No payouts yet: they appear here when a buyer pays for your tickets. <Link href="/tickets/new">Sell tickets</Link>.
        </p>
      )}
      {payouts.length > 0 && (
        <ul className="list" aria-label="My payouts">
          {payouts.map((payout) => (
            <li key={payout.id} className="row row-with-meta payout-row">
              <span className="row-main">
                <span className="row-title">
                  <span className="price payout-amount">{formatPrice(payout.amount)}</span>
                </span>
                <span className="row-sub muted">
                  {payoutStatusMeaning(payout.status)}
                  {' · '}Release date <LocalTime iso={payout.releaseAt} timeStyle="short" />
                  {' · '}Order <span className="payout-order">{payout.orderId}</span>
                  {' · '}
                  <Link href={`/tickets/${payout.ticketId}`}>See the listing</Link>
                </span>
              </span>
              <span className="row-meta">
                <StatusBadge status={payout.status} />
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/**
 * Sets up (or finds again) the seller's payout account; Stripe's onboarding page collects the bank details.
 * An account set up before shows at once; its onboarding link is asked for on demand (links are single-use).
 */
function PayoutAccountSetup({ accountId }: { accountId: string | null }) {
  const [account, setAccount] = useState<PayoutAccount | null>(null);
  const { run, pending, errors } = useRequest();
  const setUp = () => void run((client) => client.post<PayoutAccount>('/api/payouts/account'), setAccount);

  if (account) {
    return (
      <section className="card payout-account" aria-label="Payout account">
        <p className="success" role="status">
          Payouts are set up: your account is {account.accountId}.
        </p>
        <p>
          <a href={account.onboardingUrl} className="btn btn-primary" rel="noopener noreferrer">
            Add your bank details with Stripe
          </a>
        </p>
      </section>
    );
  }
  if (accountId) {
    return (
      <section className="card payout-account" aria-label="Payout account">
        <p className="success">Payouts are set up: your account is {accountId}.</p>
        <ErrorAlert errors={errors} title="Could not reach Stripe" />
        <button type="button" className="btn btn-primary" onClick={setUp} disabled={pending} aria-busy={pending || undefined}>
          Update your bank details with Stripe
        </button>
      </section>
    );
  }
  return (
    <section className="card payout-account" aria-label="Payout account">
      <p>Payouts wait until you have a payout account.</p>
      <ErrorAlert errors={errors} title="Could not set up payouts" />
      <button type="button" className="btn btn-primary" onClick={setUp} disabled={pending} aria-busy={pending || undefined}>
        Set up payouts
      </button>
    </section>
  );
}
