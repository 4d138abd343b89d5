import Link from 'next/link';
import type { Ticket } from '../api/types';
import { listingOf } from '../lib/marketplace';
import AllInPrice from './AllInPrice';
import ListingSummary from './ListingSummary';

/** One listing in a buyer's list (the home page, an event's page): its title and seats, the all-in price beside them. */
export default function ListingRow({ ticket }: { ticket: Ticket }) {
  const listing = listingOf(ticket);
  return (
    <li className="row row-with-meta">
      <span className="row-main">
        <Link href={`/tickets/${ticket.id}`} className="row-title">
          {ticket.title}
        </Link>
        <ListingSummary listing={listing} />
      </span>
      <span className="row-meta">
        <AllInPrice listing={listing} />
      </span>
    </li>
  );
}
