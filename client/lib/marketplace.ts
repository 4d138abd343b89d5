// The marketplace's rules as a buyer's page needs them: what a listing or an
// order of the API means when a version-2 field is missing (a version-1
// listing is one seat, split "any"), which quantities a split rule allows, and
// the buyer's fee for the seller's preview.
//
// allowedQuantities and buyerFee are small pure copies of
// common/src/marketplace/{split,fees}.ts, because the client cannot import
// common: its package exports only its whole server index (mongoose, express,
// NATS), and the client's image is built from client/ alone. test/marketplace.test.ts
// checks these copies against common's on every input it tries.
import type { Order, Ticket } from '../api/types';

export type SplitRule = 'any' | 'pairs' | 'no-single' | 'all';

export const MAX_SEATS_PER_LISTING = 20;

/** The seller's choices: what each means to the seller, and what a buyer is told. */
export const SPLIT_RULES: readonly { value: SplitRule; label: string; explanation: string; buyerNote: string }[] = [
  {
    value: 'any',
    label: 'Any number',
    explanation: 'Buyers may take any number of your seats, even just one.',
    buyerNote: 'Buy as many as you like.',
  },
  {
    value: 'pairs',
    label: 'In pairs',
    explanation: 'Buyers take seats two at a time (2, 4, 6…). The number of seats must be even.',
    buyerNote: 'The seller sells these two at a time.',
  },
  {
    value: 'no-single',
    label: 'Never leave one seat alone',
    explanation: 'Buyers may take any number, as long as exactly one seat is not left over.',
    buyerNote: 'The seller does not let a purchase leave one seat on its own.',
  },
  {
    value: 'all',
    label: 'All together',
    explanation: 'One buyer takes every remaining seat at once.',
    buyerNote: 'The seller sells these only all together.',
  },
];

export function isSplitRule(value: unknown): value is SplitRule {
  return SPLIT_RULES.some((rule) => rule.value === value);
}

/** Whether a buyer may take `quantity` of the `available` seats (common/src/marketplace/split.ts). */
export function splitAllows(split: SplitRule, available: number, quantity: number): boolean {
  switch (split) {
    case 'any':
      return true;
    case 'pairs':
      return quantity % 2 === 0;
    case 'no-single':
      return available - quantity !== 1;
    case 'all':
      return quantity === available;
  }
}

/** The quantities a buyer may choose, smallest first: what the quantity picker offers. */
export function allowedQuantities(split: SplitRule, available: number): number[] {
  const quantities: number[] = [];
  for (let quantity = 1; quantity <= available; quantity += 1) {
    if (splitAllows(split, available, quantity)) quantities.push(quantity);
  }
  return quantities;
}

/** FEE_PERCENT and FEE_FIXED, the same settings (and defaults) the tickets service prices with. */
export interface FeeSettings {
  percent: number;
  fixed: number;
}

export const DEFAULT_FEES: FeeSettings = { percent: 10, fixed: 0.5 };

const toCents = (dollars: number): number => Math.round(dollars * 100);

/** `price × percent / 100 + fixed`, half up to the cent (common/src/marketplace/fees.ts). */
export function buyerFee(price: number, fees: FeeSettings): number {
  const shareCents = Math.round(toCents(price) * fees.percent * 100) / 10_000;
  return (Math.floor(shareCents + 0.5 + 1e-9) + toCents(fees.fixed)) / 100;
}

/** Dollars added in cents, so that 0.1 + 0.2 never reaches a buyer. */
export const addDollars = (a: number, b: number): number => (toCents(a) + toCents(b)) / 100;

export const timesDollars = (quantity: number, dollars: number): number => (quantity * toCents(dollars)) / 100;

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const isMoney = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);

/** A listing as pages show it; a field the API did not send takes its version-1 meaning. */
export interface Listing {
  quantity: number;
  available: number;
  split: SplitRule;
  section: string | null;
  row: string | null;
  price: number;
  /** null: an API that does not price fees yet (version 1); pages then show the price alone. */
  fee: number | null;
  allInPrice: number | null;
}

export function listingOf(ticket: Ticket): Listing {
  const quantity = isCount(ticket.quantity) && ticket.quantity > 0 ? ticket.quantity : 1;
  // A version-1 ticket is one seat, taken while an order holds it.
  const available = isCount(ticket.available) ? Math.min(ticket.available, quantity) : ticket.orderId ? 0 : quantity;
  const fee = isMoney(ticket.fee) ? ticket.fee : null;
  const allInPrice = isMoney(ticket.allInPrice) ? ticket.allInPrice : fee !== null ? addDollars(ticket.price, fee) : null;
  return {
    quantity,
    available,
    split: isSplitRule(ticket.split) ? ticket.split : 'any',
    section: ticket.section?.trim() || null,
    row: ticket.row?.trim() || null,
    price: ticket.price,
    fee,
    allInPrice,
  };
}

/** "Section 101 · Row F", or null when the seller gave neither. */
export function seatPlace(listing: Pick<Listing, 'section' | 'row'>): string | null {
  const parts = [listing.section && `Section ${listing.section}`, listing.row && `Row ${listing.row}`].filter(Boolean);
  return parts.length ? parts.join(' · ') : null;
}

export const seatCount = (n: number): string => `${n} ${n === 1 ? 'ticket' : 'tickets'}`;

/** An order as its page shows it: a version-1 order is one ticket at the ticket's price. */
export interface OrderAmounts {
  quantity: number;
  unitPrice: number | null;
  fee: number | null;
  /** What paying charges; null when the API did not say (version 1). */
  total: number | null;
  allInUnit: number | null;
}

export function orderAmounts(order: Order): OrderAmounts {
  const quantity = isCount(order.quantity) && order.quantity > 0 ? order.quantity : 1;
  const unitPrice = isMoney(order.unitPrice) ? order.unitPrice : isMoney(order.ticket?.price) ? order.ticket.price : null;
  const fee = isMoney(order.fee) ? order.fee : null;
  const total = isMoney(order.total) ? order.total : null;
  const allInUnit = unitPrice !== null && fee !== null ? addDollars(unitPrice, fee) : null;
  return { quantity, unitPrice, fee, total, allInUnit };
}
