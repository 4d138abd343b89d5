// The client's copies of the marketplace rules (lib/marketplace.ts) against
// common's originals, which the services decide with: the quantity picker
// and the seller's fee preview must never offer or promise something else.
import fc from 'fast-check';
import * as common from '../../common/src/marketplace/fees';
import { allowedQuantities as commonAllowedQuantities, SplitRule } from '../../common/src/marketplace/split';
import type { Order, Ticket } from '../api/types';
import { feeSettings } from '../lib/config';
import { allowedQuantities, buyerFee, listingOf, orderAmounts, seatPlace, SPLIT_RULES, timesDollars } from '../lib/marketplace';

describe('allowedQuantities: the same as common/src/marketplace/split.ts', () => {
  it('offers what the SPEC examples say', () => {
    expect(allowedQuantities('pairs', 4)).toEqual([2, 4]);
    expect(allowedQuantities('no-single', 4)).toEqual([1, 2, 4]);
    expect(allowedQuantities('all', 5)).toEqual([5]);
    expect(allowedQuantities('any', 3)).toEqual([1, 2, 3]);
    expect(allowedQuantities('pairs', 0)).toEqual([]);
  });

  it('agrees with common for every rule and count', () => {
    expect(SPLIT_RULES.map((r) => r.value).sort()).toEqual(Object.values(SplitRule).sort());
    for (const rule of Object.values(SplitRule)) {
      for (let available = 0; available <= 20; available += 1) {
        expect({ rule, available, q: allowedQuantities(rule, available) }).toEqual({ rule, available, q: commonAllowedQuantities(rule, available) });
      }
    }
  });
});

describe('buyerFee: the same as common/src/marketplace/fees.ts', () => {
  it('is $3.00 on a $25 ticket at the defaults', () => {
    expect(buyerFee(25, { percent: 10, fixed: 0.5 })).toBe(3);
  });

  it('agrees with common on any price and settings', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 100_000 }), (priceCents, percentHundredths, fixedCents) => {
        const fees = { percent: percentHundredths / 100, fixed: fixedCents / 100 };
        expect(buyerFee(priceCents / 100, fees)).toBe(common.buyerFee(priceCents / 100, fees));
      }),
    );
  });
});

const v1Ticket: Ticket = { id: 't1', title: 'Gig', price: 25, userId: 'u1', version: 0 };

describe('listingOf', () => {
  it('reads a version-2 listing as the API sends it', () => {
    const listing = listingOf({ ...v1Ticket, quantity: 4, available: 2, split: 'pairs', section: '101', row: 'F', fee: 3, allInPrice: 28 });
    expect(listing).toEqual({ quantity: 4, available: 2, split: 'pairs', section: '101', row: 'F', price: 25, fee: 3, allInPrice: 28 });
    expect(seatPlace(listing)).toBe('Section 101 · Row F');
  });

  it('reads a version-1 ticket as one seat, split any, taken while an order holds it, with no fee to show', () => {
    expect(listingOf(v1Ticket)).toMatchObject({ quantity: 1, available: 1, split: 'any', fee: null, allInPrice: null, section: null, row: null });
    expect(listingOf({ ...v1Ticket, orderId: 'o1' }).available).toBe(0);
    expect(seatPlace(listingOf(v1Ticket))).toBeNull();
  });

  it('never trusts an unknown split rule or a broken count', () => {
    expect(listingOf({ ...v1Ticket, quantity: 2, available: 7, split: 'triples' })).toMatchObject({ quantity: 2, available: 2, split: 'any' });
    expect(listingOf({ ...v1Ticket, quantity: -1 }).quantity).toBe(1);
  });

  it('adds the all-in price in cents when only the fee came', () => {
    expect(listingOf({ ...v1Ticket, price: 0.1, fee: 0.2 }).allInPrice).toBe(0.3);
  });
});

describe('orderAmounts', () => {
  const v1Order: Order = { id: 'o1', status: 'created', userId: 'u1', expiresAt: '2030-01-01T00:00:00Z', ticket: { id: 't1', title: 'Gig', price: 25 }, version: 0 };

  it('reads a version-2 order: the total is what the API froze', () => {
    expect(orderAmounts({ ...v1Order, quantity: 2, unitPrice: 25, fee: 3, total: 56 })).toEqual({ quantity: 2, unitPrice: 25, fee: 3, total: 56, allInUnit: 28 });
  });

  it('reads a version-1 order as one ticket at its price, with no total to claim', () => {
    expect(orderAmounts(v1Order)).toEqual({ quantity: 1, unitPrice: 25, fee: null, total: null, allInUnit: null });
  });

  it('multiplies money in cents', () => {
    expect(timesDollars(3, 0.1)).toBe(0.3);
  });
});

describe('feeSettings', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads FEE_PERCENT and FEE_FIXED as the services do, defaulting to 10 and 0.50', () => {
    delete process.env.FEE_PERCENT;
    delete process.env.FEE_FIXED;
    expect(feeSettings()).toEqual({ percent: 10, fixed: 0.5 });
    process.env.FEE_PERCENT = '12.5';
    process.env.FEE_FIXED = '1';
    expect(feeSettings()).toEqual({ percent: 12.5, fixed: 1 });
    expect(feeSettings()).toEqual(common.feeConfig.parse(process.env).fees);
  });
});
