import { z } from 'zod';

/** The buyer's fee per ticket: a share of the price plus a fixed amount (SPEC "Listings"). */
export interface FeeSettings {
  /** Percent of the price, e.g. 10. */
  percent: number;
  /** Dollars added to every ticket, e.g. 0.5. */
  fixed: number;
}

/** FEE_PERCENT (default 10) and FEE_FIXED (default 0.50 dollars): read by every service that prices a seat. */
export const feeConfig = z
  .object({
    FEE_PERCENT: z.coerce.number().min(0).max(100).default(10),
    FEE_FIXED: z.coerce.number().min(0).max(1000).default(0.5),
  })
  .transform((env): { fees: FeeSettings } => ({ fees: { percent: env.FEE_PERCENT, fixed: env.FEE_FIXED } }));

export const DEFAULT_FEES: FeeSettings = { percent: 10, fixed: 0.5 };

/** Dollars to whole cents; money is decided in cents so that 0.1 + 0.2 never reaches a buyer. */
export const toCents = (dollars: number): number => Math.round(dollars * 100);

export const toDollars = (cents: number): number => cents / 100;

/**
 * `price × percent / 100 + fixed`, rounded half up to the cent: a $25 ticket
 * at the defaults pays $3.00. The share is computed in hundredths of a cent
 * so that binary fractions (19.95 × 10%) do not tip a half cent down.
 */
export function buyerFee(price: number, fees: FeeSettings): number {
  const shareCents = Math.round(toCents(price) * fees.percent * 100) / 10_000;
  return toDollars(Math.floor(shareCents + 0.5 + 1e-9) + toCents(fees.fixed));
}

/** What one seat costs a buyer with every mandatory fee: the figure shown first. */
export const allInPrice = (price: number, fee: number): number => toDollars(toCents(price) + toCents(fee));

/** What an order of `quantity` seats charges: `quantity × (unitPrice + fee)`, in dollars. */
export const orderTotal = (quantity: number, unitPrice: number, fee: number): number =>
  toDollars(quantity * (toCents(unitPrice) + toCents(fee)));
