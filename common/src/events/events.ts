import { CatalogData } from './catalog';
import { Subjects } from './subjects';

// Each event's data type comes from its schema in the catalog (catalog.ts).
export interface TicketCreatedEvent {
  subject: Subjects.TicketCreated;
  data: CatalogData<Subjects.TicketCreated>;
}

export interface TicketUpdatedEvent {
  subject: Subjects.TicketUpdated;
  data: CatalogData<Subjects.TicketUpdated>;
}

export interface OrderCreatedEvent {
  subject: Subjects.OrderCreated;
  /** expiresAt is ISO 8601. */
  data: CatalogData<Subjects.OrderCreated>;
}

export interface OrderCancelledEvent {
  subject: Subjects.OrderCancelled;
  data: CatalogData<Subjects.OrderCancelled>;
}

export interface ExpirationCompleteEvent {
  subject: Subjects.ExpirationComplete;
  data: CatalogData<Subjects.ExpirationComplete>;
}

export interface PaymentCreatedEvent {
  subject: Subjects.PaymentCreated;
  data: CatalogData<Subjects.PaymentCreated>;
}

export type Event =
  | TicketCreatedEvent
  | TicketUpdatedEvent
  | OrderCreatedEvent
  | OrderCancelledEvent
  | ExpirationCompleteEvent
  | PaymentCreatedEvent;

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
