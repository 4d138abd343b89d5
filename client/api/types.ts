// Response shapes of the Ticketing API, as docs/openapi.yaml defines them.

export interface CurrentUser {
  id: string;
  email: string;
  iat?: number;
}

export interface Ticket {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string | null;
  // Version 2 (a listing of several seats); absent from a version-1 API: one seat, split "any".
  eventId?: string | null;
  quantity?: number;
  /** Seats neither held nor sold. */
  available?: number;
  section?: string | null;
  row?: string | null;
  split?: 'any' | 'pairs' | 'no-single' | 'all' | (string & {});
  /** The buyer's fee per ticket, computed by the server. */
  fee?: number;
  /** price + fee: what one ticket costs a buyer, shown first. */
  allInPrice?: number;
  /** `cancelled` once its event is cancelled (no longer offered). */
  status?: string;
}

export type TicketStatus = 'available' | 'reserved' | 'sold' | 'cancelled' | (string & {});

/** GET /api/tickets/mine */
export interface OwnTicket extends Ticket {
  status: TicketStatus;
  held?: number;
  sold?: number;
}

export type OrderStatus = 'created' | 'cancelled' | 'complete' | 'refunded' | (string & {});

export interface Order {
  id: string;
  status: OrderStatus;
  userId: string;
  expiresAt: string;
  ticket: { id: string; title: string; price: number };
  version: number;
  // Version 2 (several seats), frozen when the order was created.
  quantity?: number;
  unitPrice?: number;
  fee?: number;
  /** quantity × (unitPrice + fee): what paying charges. */
  total?: number;
}

export type PayoutStatus = 'pending' | 'paid' | 'cancelled' | 'reversed' | (string & {});

/** A seller's money for one paid order: GET /api/payouts. */
export interface Payout {
  id: string;
  orderId: string;
  ticketId: string;
  /** unitPrice × quantity, in dollars (the buyer's fee is the platform's). */
  amount: number;
  status: PayoutStatus;
  /** ISO 8601: from then on it is sent to the seller's account. */
  releaseAt: string;
  transferId?: string;
}

/** POST /api/payouts/account */
export interface PayoutAccount {
  accountId: string;
  onboardingUrl: string;
}

export type EventStatus = 'scheduled' | 'cancelled' | (string & {});

/** An event (concert, game, show) tickets are sold for: GET /api/events/:id. Not the DOM's Event. */
export interface LiveEvent {
  id: string;
  name: string;
  performer?: string | null;
  venue: string;
  city: string;
  /** ISO 8601 */
  startsAt: string;
  category: string;
  status: EventStatus;
  organizerId: string;
  version: number;
}

/** One entry of the error body every service answers with. */
export interface ApiError {
  message: string;
  field?: string;
}

/** One notification of the inbox (GET /api/notifications). */
export interface AppNotification {
  id: string;
  kind: string;
  message: string;
  /** A path on this site, the page it is about. */
  link?: string;
  createdAt: string;
  read: boolean;
}

export interface Inbox {
  unread: number;
  items: AppNotification[];
}

/** A price watch on an event (GET /api/notifications/watches). */
export interface Watch {
  id: string;
  eventId: string;
  /** Dollars, all-in. */
  maxPrice: number;
}

export type PassStatus = 'valid' | 'used' | 'void' | (string & {});

/** A pass for one seat: GET /api/passes. `code` is what its QR code shows at the gate. */
export interface Pass {
  id: string;
  orderId: string;
  ticketId: string;
  eventId?: string | null;
  holderId: string;
  title: string;
  seat: { section?: string | null; row?: string | null; number: number };
  code: string;
  status: PassStatus;
}

export type WaitlistStatus = 'waiting' | 'offered' | 'expired' | 'done' | 'left' | (string & {});

/** A place on a sold-out listing's waiting list: GET /api/waitlist. */
export interface WaitlistEntry {
  id: string;
  ticketId: string;
  quantity: number;
  status: WaitlistStatus;
  /** While waiting: its 1-based place in the listing's line. */
  position?: number;
  /** Once offered: until when the seats are held for this buyer alone. */
  offerExpiresAt?: string;
}
