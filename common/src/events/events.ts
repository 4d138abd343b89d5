import { OrderStatus, Subjects } from './subjects';

export interface TicketCreatedEvent {
  subject: Subjects.TicketCreated;
  data: { id: string; version: number; title: string; price: number; userId: string };
}

export interface TicketUpdatedEvent {
  subject: Subjects.TicketUpdated;
  data: {
    id: string;
    version: number;
    title: string;
    price: number;
    userId: string;
    orderId?: string;
  };
}

export interface OrderCreatedEvent {
  subject: Subjects.OrderCreated;
  data: {
    id: string;
    version: number;
    status: OrderStatus;
    userId: string;
    /** ISO 8601 */
    expiresAt: string;
    ticket: { id: string; price: number };
  };
}

export interface OrderCancelledEvent {
  subject: Subjects.OrderCancelled;
  data: { id: string; version: number; ticket: { id: string } };
}

export interface ExpirationCompleteEvent {
  subject: Subjects.ExpirationComplete;
  data: { orderId: string };
}

export interface PaymentCreatedEvent {
  subject: Subjects.PaymentCreated;
  data: { id: string; orderId: string; stripeId: string };
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
