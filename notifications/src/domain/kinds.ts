/**
 * Every kind of notification, table-driven: what each says in the inbox and
 * the email, and the page it links to. A new kind (a listener for a new
 * subject) adds one row here and calls notify() with its facts.
 */
export enum NotificationKind {
  OrderPaid = 'order-paid',
  TicketSold = 'ticket-sold',
  OrderExpired = 'order-expired',
  OrderRefunded = 'order-refunded',
  EventCancelled = 'event-cancelled',
  PriceAlert = 'price-alert',
  PassReceived = 'pass-received',
  PayoutPaid = 'payout-paid',
  WaitlistOffer = 'waitlist-offer',
}

/** What a kind's text is made of: the fact's own fields, as the listener knows them. */
export interface Facts {
  orderId?: string;
  ticketId?: string;
  eventId?: string;
  /** The listing's title or the event's name. */
  title?: string;
  quantity?: number;
  /** Dollars. */
  amount?: number;
  /** An ISO time (a waiting-list offer's end). */
  until?: string;
}

export interface KindText {
  subject: (f: Facts) => string;
  message: (f: Facts) => string;
  link: (f: Facts) => string | undefined;
}

export const dollars = (amount: number | undefined) => (amount === undefined ? '' : ` ($${amount.toFixed(2)})`);
const seats = (quantity = 1) => (quantity === 1 ? '1 ticket' : `${quantity} tickets`);
const of = (title?: string) => (title ? ` for ${title}` : '');

export const KINDS: Record<NotificationKind, KindText> = {
  [NotificationKind.OrderPaid]: {
    subject: () => 'Your order is paid',
    message: (f) => `Your order of ${seats(f.quantity)}${of(f.title)} is paid${dollars(f.amount)}. Enjoy the show!`,
    link: (f) => (f.orderId ? `/orders/${f.orderId}` : undefined),
  },
  [NotificationKind.TicketSold]: {
    subject: () => 'You sold tickets',
    message: (f) => `You sold ${seats(f.quantity)}${of(f.title)}. Your payout follows after the event.`,
    link: () => '/payouts',
  },
  [NotificationKind.OrderExpired]: {
    subject: () => 'Your order expired',
    message: (f) => `Your order of ${seats(f.quantity)}${of(f.title)} expired before it was paid; the seats were released.`,
    link: (f) => (f.ticketId ? `/tickets/${f.ticketId}` : undefined),
  },
  [NotificationKind.OrderRefunded]: {
    subject: () => 'Your order was refunded',
    message: (f) => `Your order${of(f.title)} was refunded in full${dollars(f.amount)}.`,
    link: (f) => (f.orderId ? `/orders/${f.orderId}` : undefined),
  },
  [NotificationKind.EventCancelled]: {
    subject: () => 'An event was cancelled',
    message: (f) => `${f.title ?? 'An event'} was cancelled. Buyers are refunded in full; listings are withdrawn.`,
    link: (f) => (f.eventId ? `/events/${f.eventId}` : undefined),
  },
  [NotificationKind.PriceAlert]: {
    subject: (f) => `Price alert${of(f.title)}`,
    message: (f) => `Tickets${of(f.title)} are available at $${(f.amount ?? 0).toFixed(2)} all-in, within your price.`,
    link: (f) => (f.ticketId ? `/tickets/${f.ticketId}` : undefined),
  },
  [NotificationKind.PassReceived]: {
    subject: () => 'You received a ticket',
    message: (f) => `A ticket${of(f.title)} was transferred to you. It is in your passes.`,
    link: () => '/passes',
  },
  [NotificationKind.PayoutPaid]: {
    subject: () => 'You were paid',
    message: (f) => `Your payout${dollars(f.amount)}${of(f.title)} was sent to your account.`,
    link: () => '/payouts',
  },
  [NotificationKind.WaitlistOffer]: {
    subject: () => 'Tickets are held for you',
    message: (f) =>
      `${seats(f.quantity)}${of(f.title)} ${(f.quantity ?? 1) === 1 ? 'is' : 'are'} held for you from the waiting list${f.until ? ` until ${new Date(f.until).toUTCString()}` : ''}. Order ${(f.quantity ?? 1) === 1 ? 'it' : 'them'} before the offer ends.`,
    link: (f) => (f.ticketId ? `/tickets/${f.ticketId}` : undefined),
  },
};
