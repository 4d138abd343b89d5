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
}

export type TicketStatus = 'available' | 'reserved' | 'sold';

/** GET /api/tickets/mine */
export interface OwnTicket extends Ticket {
  status: TicketStatus;
}

export type OrderStatus = 'created' | 'cancelled' | 'complete' | (string & {});

export interface Order {
  id: string;
  status: OrderStatus;
  userId: string;
  expiresAt: string;
  ticket: { id: string; title: string; price: number };
  version: number;
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
