import { EventEnvelope, Subjects } from '../events';
import { EventInstrumentation } from './instrumentation';

/** One delivery of an event to a subscriber. */
export interface DeliveredMessage {
  /** Tells the broker the effect is stored; without it the message comes back after the ack wait. */
  ack(): void;
  /** 1 on first delivery. */
  deliveryCount: number;
  /**
   * Not acked, and wanted again soon: delivered again after about `delayMs`
   * rather than after the full ack wait (JetStream: a nak with a delay;
   * NATS Streaming: the bus delivers it again itself).
   */
  retryLater?(delayMs: number): void;
  /**
   * A poison message (it can never apply: its data breaks the catalog's
   * schema): never delivered again (JetStream: term; NATS Streaming, which
   * has no term: acked). The caller logs why.
   */
  reject?(): void;
}

export type MessageHandler = (envelope: EventEnvelope, msg: DeliveredMessage) => Promise<void>;

export interface SubscriptionOptions {
  subject: Subjects;
  /** Durable name shared by every replica of a service: each message is handled once per group. */
  queueGroup: string;
  handler: MessageHandler;
}

export interface EventBus {
  /** What watches this bus's publishes and its listeners' handling (see EventInstrumentation). */
  readonly instrumentation: EventInstrumentation;
  /** Sends an envelope, under the instrumentation's watch; resolves once the broker has stored it. */
  publish(envelope: EventEnvelope): Promise<void>;
  subscribe(options: SubscriptionOptions): Promise<void>;
  /** True while the broker connection is up (readiness). */
  isConnected(): boolean;
  /** Stops delivering, lets in-flight handlers finish, closes the connection. */
  close(): Promise<void>;
}

export interface BusTuning {
  /** Redelivery delay for an unacked message. */
  ackWaitMs: number;
  /** JetStream only: deliveries before the broker gives up on a message. */
  maxDeliver: number;
  /**
   * Messages of one subscription handed to this process and not acked yet
   * (default 8). Handlers of one record's messages run one at a time (other
   * records' at once: see RecordLanes), so a message may wait for the ones
   * before it: with the brokers' large default, a backlog longer than the ack
   * wait is redelivered while still queued, the copies queue up too, and the
   * backlog never drains. A few at a time keeps even one record's queue
   * shorter than the ack wait.
   */
  maxInFlight?: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 8;

