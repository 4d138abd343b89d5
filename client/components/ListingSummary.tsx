import { seatCount, seatPlace, type Listing } from '../lib/marketplace';

/** A listing row's second line: where the seats are and how many are left ("Section 101 · Row F · 4 tickets available"). */
export default function ListingSummary({ listing }: { listing: Listing }) {
  const place = seatPlace(listing);
  return (
    <span className="row-sub muted">
      {place && <>{place} · </>}
      {listing.available > 0 ? `${seatCount(listing.available)} available` : 'None available right now'}
    </span>
  );
}
