import type { EventEnvelope } from '../events';

/** How a delivery ended: acked, waiting (not acked, or a "not yet": it comes back) or failed (the handler threw). */
export type DeliveryOutcome = 'acked' | 'waiting' | 'failed';

/** One delivery of an event to a listener. */
export interface Delivery {
  subject: string;
  queueGroup: string;
  envelope: EventEnvelope;
  deliveryCount: number;
}

/** One delivery's handling, as the observer sees it: the listener runs it, acks it and says how it ended. */
export interface HandlingScope {
  /** Runs the handler inside the handling's context (so what it does belongs to the delivery's trace). */
  run<T>(handler: () => Promise<T>): Promise<T>;
  /** The handler acked: its effect is stored. */
  acked(): void;
  /** The handling is over; `err` is what the handler threw, if it threw. */
  end(outcome: DeliveryOutcome, err?: unknown): void;
}

/**
 * What watches the event flow (tracing and metrics: see telemetry's
 * eventTelemetry). The buses and listeners call it around the work they do
 * themselves, so it observes publishing and handling without doing either.
 */
export interface EventInstrumentation {
  /** Around one publish: `send` is called with the envelope to put on the wire (the observer may replace its trace fields). */
  publish(envelope: EventEnvelope, send: (outgoing: EventEnvelope) => Promise<void>): Promise<void>;
  /** A delivery reached a listener. */
  handling(delivery: Delivery): HandlingScope;
  /** A listener dropped an event whose data breaks the catalog. */
  poisoned(subject: string, queueGroup: string): void;
  /** The bus gave up on an event after the maximum number of deliveries. */
  givenUp(subject: string, queueGroup: string): void;
}

const unobservedHandling: HandlingScope = {
  run: (handler) => handler(),
  acked: () => undefined,
  end: () => undefined,
};

/** Watches nothing: for a bus nobody observes (tests about behaviour alone). */
export const noInstrumentation: EventInstrumentation = {
  publish: (envelope, send) => send(envelope),
  handling: () => unobservedHandling,
  poisoned: () => undefined,
  givenUp: () => undefined,
};
