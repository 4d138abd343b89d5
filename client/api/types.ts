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

/** One entry of the error body every service answers with. */
export interface ApiError {
  message: string;
  field?: string;
}
