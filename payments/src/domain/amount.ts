/**
 * Dollars (a number with at most two decimals) to integer cents, without
 * floating-point arithmetic: the number's shortest decimal form ("19.99",
 * "0.29") is read digit by digit. `Math.round(price * 100)` multiplies a
 * binary approximation (1.005 * 100 === 100.49999999999999), and
 * `toFixed(2)` rounds that approximation (1.005.toFixed(2) === '1.00'); here a
 * third decimal, which a valid price never has, rounds half up as written:
 * 1.005 → 101.
 */
export function toCents(price: number): number {
  if (!Number.isFinite(price) || price < 0) throw new RangeError(`Not a price: ${price}`);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(String(price));
  // Exponent forms (1e-7, 1e21) are never valid prices.
  if (!match) throw new RangeError(`Not a price: ${price}`);
  const [, whole, fraction = ''] = match;
  const digits = fraction.padEnd(3, '0');
  let cents = Number(whole) * 100 + Number(digits.slice(0, 2));
  if (Number(digits[2]) >= 5) cents += 1;
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Not a price: ${price}`);
  return cents;
}

/** The largest amount Stripe charges in one USD charge: $999,999.99. */
export const MAX_CHARGE_CENTS = 99_999_999;

/**
 * The price in integer cents if Stripe can charge it (more than zero, at
 * most MAX_CHARGE_CENTS), otherwise undefined: a price too large for exact
 * cents (1e14 dollars), in exponent form, or over Stripe's maximum is an
 * order that cannot be paid, not a server fault.
 */
export function chargeableCents(price: number): number | undefined {
  let cents: number;
  try {
    cents = toCents(price);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
  return cents > 0 && cents <= MAX_CHARGE_CENTS ? cents : undefined;
}
