export enum Subjects {
  TicketCreated = 'ticket:created',
  TicketUpdated = 'ticket:updated',
  OrderCreated = 'order:created',
  OrderCancelled = 'order:cancelled',
  ExpirationComplete = 'expiration:complete',
  PaymentCreated = 'payment:created',
  PaymentRefunded = 'payment:refunded',
  EventCreated = 'event:created',
  EventUpdated = 'event:updated',
  EventCancelled = 'event:cancelled',
  UserCreated = 'user:created',
  PayoutPaid = 'payout:paid',
  PassTransferred = 'pass:transferred',
  WaitlistOffered = 'waitlist:offered',
  WaitlistOfferEnded = 'waitlist:offer-ended',
}

/** Durable names / queue groups: one per consuming service, shared by its replicas. */
export enum QueueGroups {
  Tickets = 'tickets-service',
  Orders = 'orders-service',
  Payments = 'payments-service',
  Expiration = 'expiration-service',
  Notifications = 'notifications-service',
}

export enum OrderStatus {
  // Created, ticket reserved, not paid yet.
  Created = 'created',
  // Expired, cancelled by its buyer, or the ticket was taken by someone else.
  Cancelled = 'cancelled',
  // Paid.
  Complete = 'complete',
  // Paid, then its money went back in full (its event was cancelled).
  Refunded = 'refunded',
}

/** The categories an event is listed under. */
export enum EventCategory {
  Concert = 'concert',
  Sports = 'sports',
  Theater = 'theater',
  Comedy = 'comedy',
  Festival = 'festival',
  Other = 'other',
}

export enum EventStatus {
  // On sale until it starts.
  Scheduled = 'scheduled',
  // Called off by its organizer or an admin: for good.
  Cancelled = 'cancelled',
}
