import { formatPrice } from '../lib/format';
import type { Listing } from '../lib/marketplace';

interface Props {
  listing: Pick<Listing, 'price' | 'fee' | 'allInPrice'>;
  /** The big one of a ticket's own page. */
  large?: boolean;
}

/**
 * A ticket's price as a buyer must see it: the all-in price (every mandatory
 * fee included) first and largest, the price before fees after it, smaller.
 * An API that sends no fee (version 1) shows the price alone.
 */
export default function AllInPrice({ listing, large = false }: Props) {
  if (listing.allInPrice === null) {
    return (
      <span className="price-block">
        <span className="all-in">
          <span className={`price price-all-in${large ? ' price-lg' : ''}`}>{formatPrice(listing.price)}</span>
          <span className="all-in-note"> each</span>
        </span>
      </span>
    );
  }
  return (
    <span className="price-block">
      <span className="all-in">
        <span className={`price price-all-in${large ? ' price-lg' : ''}`}>{formatPrice(listing.allInPrice)}</span>
        <span className="all-in-note"> each, incl. fees</span>
      </span>
      <span className="price-before-fees">
        <span className="price-base">{formatPrice(listing.price)}</span>
        {listing.fee !== null && <> + {formatPrice(listing.fee)} fee</>}
      </span>
    </span>
  );
}
