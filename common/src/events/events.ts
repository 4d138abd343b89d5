import { CatalogData } from './catalog';
import { Subjects } from './subjects';

// Each event's data type comes from its schema in the catalog (catalog.ts).
type EventOf<S extends Subjects> = { subject: S; data: CatalogData<S> };

export type TicketCreatedEvent = EventOf<Subjects.TicketCreated>;
export type TicketUpdatedEvent = EventOf<Subjects.TicketUpdated>;
/** data.expiresAt is ISO 8601. */
export type OrderCreatedEvent = EventOf<Subjects.OrderCreated>;
export type OrderCancelledEvent = EventOf<Subjects.OrderCancelled>;
export type ExpirationCompleteEvent = EventOf<Subjects.ExpirationComplete>;
export type PaymentCreatedEvent = EventOf<Subjects.PaymentCreated>;
export type PaymentRefundedEvent = EventOf<Subjects.PaymentRefunded>;
/** data.startsAt is ISO 8601. */
export type EventCreatedEvent = EventOf<Subjects.EventCreated>;
export type EventUpdatedEvent = EventOf<Subjects.EventUpdated>;
export type EventCancelledEvent = EventOf<Subjects.EventCancelled>;
export type UserCreatedEvent = EventOf<Subjects.UserCreated>;
export type PayoutPaidEvent = EventOf<Subjects.PayoutPaid>;
export type PassTransferredEvent = EventOf<Subjects.PassTransferred>;
export type WaitlistOfferedEvent = EventOf<Subjects.WaitlistOffered>;
export type WaitlistOfferEndedEvent = EventOf<Subjects.WaitlistOfferEnded>;

export type Event =
  | TicketCreatedEvent
  | TicketUpdatedEvent
  | OrderCreatedEvent
  | OrderCancelledEvent
  | ExpirationCompleteEvent
  | PaymentCreatedEvent
  | PaymentRefundedEvent
  | EventCreatedEvent
  | EventUpdatedEvent
  | EventCancelledEvent
  | UserCreatedEvent
  | PayoutPaidEvent
  | PassTransferredEvent
  | WaitlistOfferedEvent
  | WaitlistOfferEndedEvent;

/** The data an event of subject S carries. */
export type EventData<S extends Subjects> = Extract<Event, { subject: S }>['data'];

/**
 * What travels on the wire: the data plus what the bus needs to deliver it
 * once and trace it. Distributes over subjects, so EventEnvelope (all
 * subjects) is the union of each subject's envelope.
 */
export type EventEnvelope<S extends Subjects = Subjects> = S extends Subjects
  ? {
      /** Unique per event; duplicates on the wire share it. */
      id: string;
      subject: S;
      /** ISO 8601 time the event was recorded. */
      time: string;
      /** The request that caused it, for log correlation. */
      requestId?: string;
      /** W3C trace context of the span that produced it (telemetry/tracing.ts). */
      traceparent?: string;
      tracestate?: string;
      data: EventData<S>;
    }
  : never;
