import { randomUUID } from 'node:crypto';
import { DeliveredMessage, EventBus, SubscriptionOptions } from '../bus/event-bus';
import { EventInstrumentation, noInstrumentation } from '../bus/instrumentation';
import { EventData, EventEnvelope, Subjects } from '../events';

export interface Delivery {
  /** Resolves true once a listener acked, false if the handler finished without acking. */
  acked: Promise<boolean>;
}

/**
 * A bus for tests about one service's behaviour: records what was published
 * and lets a test deliver an event to the subscribed listeners and await
 * whether it was acked. `instrumentation` watches it as it would a real
 * bus (default: nothing).
 */
export class InMemoryBus implements EventBus {
  readonly published: EventEnvelope[] = [];
  /** Deliveries a listener refused as poison (data that breaks the event catalog). */
  readonly rejected: EventEnvelope[] = [];
  private readonly subscriptions: SubscriptionOptions[] = [];
  connected = true;
  /** Set to make publish fail, as a broker that is down would. */
  failPublishes = false;

  constructor(readonly instrumentation: EventInstrumentation = noInstrumentation) {}

  publish(envelope: EventEnvelope): Promise<void> {
    return this.instrumentation.publish(envelope, async (outgoing) => {
      if (this.failPublishes || !this.connected) throw new Error('bus unavailable');
      this.published.push(outgoing);
    });
  }

  async subscribe(options: SubscriptionOptions): Promise<void> {
    this.subscriptions.push(options);
  }

  isConnected(): boolean {
    return this.connected;
  }

  async close(): Promise<void> {
    this.connected = false;
  }

  /** The data of every event published on a subject, in order. */
  publishedData<S extends Subjects>(subject: S): EventData<S>[] {
    return this.published.filter((e) => e.subject === subject).map((e) => e.data as EventData<S>);
  }

  clear(): void {
    this.published.length = 0;
  }

  /** Delivers an event (a fresh id unless given) to every subscriber of its subject. */
  async deliver<S extends Subjects>(
    subject: S,
    data: EventData<S>,
    options: { id?: string; deliveryCount?: number } = {},
  ): Promise<boolean> {
    const envelope = {
      id: options.id ?? randomUUID(),
      subject,
      time: new Date().toISOString(),
      data,
    } as EventEnvelope;
    return this.deliverEnvelope(envelope, options.deliveryCount ?? 1);
  }

  /** Delivers an envelope (e.g. one this bus recorded) again; true if every subscriber acked. */
  async deliverEnvelope(envelope: EventEnvelope, deliveryCount = 1): Promise<boolean> {
    const targets = this.subscriptions.filter((s) => s.subject === envelope.subject);
    if (targets.length === 0) throw new Error(`no listener subscribed to ${envelope.subject}`);
    let all = true;
    for (const target of targets) {
      let acked = false;
      const msg: DeliveredMessage = {
        ack: () => {
          acked = true;
        },
        deliveryCount,
        // Settled like an ack (never delivered again), and kept for the test to see.
        reject: () => {
          acked = true;
          this.rejected.push(envelope);
        },
      };
      await target.handler(envelope, msg);
      all = all && acked;
    }
    return all;
  }
}
