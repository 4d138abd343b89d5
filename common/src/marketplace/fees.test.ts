import fc from 'fast-check';
import { allInPrice, buyerFee, DEFAULT_FEES, feeConfig, orderTotal, toCents } from './fees';

describe('buyerFee', () => {
  it('is 10% plus $0.50 at the defaults: a $25 ticket pays $3.00', () => {
    expect(buyerFee(25, DEFAULT_FEES)).toBe(3);
    expect(allInPrice(25, buyerFee(25, DEFAULT_FEES))).toBe(28);
  });

  it('rounds the share half up to the cent', () => {
    // 10% of $19.95 is 199.5 cents: up to 200.
    expect(buyerFee(19.95, DEFAULT_FEES)).toBe(2.5);
    // 10% of $19.94 is 199.4 cents: down to 199.
    expect(buyerFee(19.94, DEFAULT_FEES)).toBe(2.49);
    expect(buyerFee(0.01, { percent: 50, fixed: 0 })).toBe(0.01);
    expect(buyerFee(10, { percent: 0, fixed: 0 })).toBe(0);
  });

  it('is always whole cents, never below the fixed part', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 1000 }), (priceCents, percent, fixedCents) => {
        const fee = buyerFee(priceCents / 100, { percent, fixed: fixedCents / 100 });
        expect(Number.isInteger(Math.round(fee * 100 * 1000) / 1000)).toBe(true);
        expect(toCents(fee)).toBeGreaterThanOrEqual(fixedCents);
        expect(Math.abs(toCents(fee) - fixedCents - (priceCents * percent) / 100)).toBeLessThanOrEqual(0.5 + 1e-9);
      }),
    );
  });
});

describe('orderTotal', () => {
  it('is quantity × (unit price + fee), in whole cents', () => {
    expect(orderTotal(3, 25, 3)).toBe(84);
    expect(orderTotal(3, 0.1, 0.2)).toBe(0.9);
  });
});

describe('feeConfig', () => {
  it('defaults to 10% and $0.50, and reads FEE_PERCENT and FEE_FIXED', () => {
    expect(feeConfig.parse({})).toEqual({ fees: { percent: 10, fixed: 0.5 } });
    expect(feeConfig.parse({ FEE_PERCENT: '12.5', FEE_FIXED: '1' })).toEqual({ fees: { percent: 12.5, fixed: 1 } });
    expect(feeConfig.safeParse({ FEE_PERCENT: '-1' }).success).toBe(false);
  });
});
