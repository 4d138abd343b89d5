import { chargeableCents, MAX_CHARGE_CENTS, toCents } from './amount';

describe('toCents', () => {
  it.each([
    [19.99, 1999],
    [0.29, 29],
    [0.57, 57],
    [1.15, 115],
    [4.35, 435],
    [8.2, 820],
    [20, 2000],
    [0.01, 1],
    [1234567.89, 123456789],
    [0.1 + 0.2, 30],
  ])('%p dollars are %p cents', (price, cents) => {
    expect(toCents(price)).toBe(cents);
  });

  it('is exact where binary arithmetic is not', () => {
    // The traps: the product and toFixed both see the binary approximation.
    expect(Math.round(1.005 * 100)).toBe(100);
    expect((1.005).toFixed(2)).toBe('1.00');
    expect(Math.trunc(4.35 * 100)).toBe(434);
    // A third decimal (never in a valid price) rounds half up as written.
    expect(toCents(1.005)).toBe(101);
    expect(toCents(1.004)).toBe(100);
  });

  it('agrees with the decimal string for every price from $0.01 to $100.00', () => {
    for (let cents = 1; cents <= 10000; cents += 1) {
      const price = Number(`${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`);
      expect(toCents(price)).toBe(cents);
    }
  });

  it.each([[-1], [Number.NaN], [Number.POSITIVE_INFINITY], [1e-7], [1e21]])('rejects %p', (price) => {
    expect(() => toCents(price)).toThrow(RangeError);
  });
});

describe('chargeableCents', () => {
  it.each([
    [0.01, 1],
    [19.99, 1999],
    [999999.99, 99999999],
  ])('charges %p dollars as %p cents', (price, cents) => {
    expect(chargeableCents(price)).toBe(cents);
  });

  it('allows Stripe’s maximum charge', () => {
    expect(MAX_CHARGE_CENTS).toBe(99999999);
  });

  it.each([[1e14], [1000000], [999999.995], [1e21], [0], [-1], [Number.NaN]])('cannot charge %p dollars', (price) => {
    expect(chargeableCents(price)).toBeUndefined();
  });
});
