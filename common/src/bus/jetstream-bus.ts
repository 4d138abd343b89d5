import {
  AckPolicy,
  ConsumerMessages,
  DeliverPolicy,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { nanos, NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { EventEnvelope, Subjects } from '../events';
import { logger } from '../logger';
import { retry } from '../retry/retry';
import { BusTuning, DEFAULT_MAX_IN_FLIGHT, EventBus, SubscriptionOptions } from './event-bus';
import { EventInstrumentation, noInstrumentation } from './instrumentation';
import { RecordLanes, recordKeyOf } from './record-lanes';

export interface JetStreamBusOptions extends BusTuning {
  url: string;
  /** Connection name shown by the server. */
  clientId: string;
  /** The stream that stores every event subject. */
  streamName?: string;
  /** What watches the bus (default: nothing). */
  instrumentation?: EventInstrumentation;
}

const DEFAULT_STREAM = 'TICKETING_EVENTS';

/** JetStream durable names may not hold '.', '*', '>' or ':'. */
const durableName = (queueGroup: string, subject: string) =>
  `${queueGroup}__${subject}`.replace(/[^A-Za-z0-9_-]/g, '_');

/**
 * NATS JetStream (NATS Streaming's supported successor): one stream for all
 * event subjects, one durable pull consumer per (queue group, subject)
 * shared by every replica, explicit acks, server-side de-duplication by
 * event id (msgID).
 */
export class JetStreamBus implements EventBus {
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private jsm?: JetStreamManager;
  private connected = false;
  private closing = false;
  private readonly consumers: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly stream: string;
  readonly instrumentation: EventInstrumentation;

  constructor(private readonly options: JetStreamBusOptions) {
    this.stream = options.streamName ?? DEFAULT_STREAM;
    this.instrumentation = options.instrumentation ?? noInstrumentation;
  }

  async connect(timeoutMs = 30000): Promise<void> {
    const nc = await retry(
      () =>
        connect({
          servers: this.options.url,
          name: this.options.clientId,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
        }),
      { timeoutMs, backoff: { baseMs: 1000, maxMs: 1000 } },
    );
    this.nc = nc;
    this.connected = true;
    void this.watchStatus(nc);
    this.jsm = await jetstreamManager(nc);
    this.js = jetstream(nc);
    await this.ensureStream();
    logger.info({ url: this.options.url, stream: this.stream }, 'connected to NATS JetStream');
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') this.connected = false;
      if (status.type === 'reconnect') this.connected = true;
    }
  }

  private async ensureStream(): Promise<void> {
    const jsm = this.jsm!;
    const subjects = Object.values(Subjects) as string[];
    try {
      const info = await jsm.streams.info(this.stream);
      const missing = subjects.filter((s) => !info.config.subjects?.includes(s));
      if (missing.length) {
        await jsm.streams.update(this.stream, { ...info.config, subjects: [...(info.config.subjects ?? []), ...missing] });
      }
    } catch {
      // Limits-based retention: every consumer group reads every event; the
      // duplicate window drops a re-published event id.
      await jsm.streams.add({ name: this.stream, subjects, duplicate_window: nanos(2 * 60 * 1000) });
    }
  }

  async subscribe(options: SubscriptionOptions): Promise<void> {
    if (!this.jsm || !this.js) throw new Error('JetStream is not connected');
    const durable = durableName(options.queueGroup, options.subject);
    const config = {
      durable_name: durable,
      filter_subject: options.subject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(this.options.ackWaitMs),
      max_deliver: this.options.maxDeliver,
    };
    try {
      await this.jsm.consumers.add(this.stream, config);
    } catch {
      // Exists with other settings: bring them up to date (deliver policy cannot change).
      const { deliver_policy: _fixed, ...updatable } = config;
      await this.jsm.consumers.update(this.stream, durable, updatable);
    }
    const consumer = await this.js.consumers.get(this.stream, durable);
    // Pulled messages wait in this process for the ones before them: bounded, as on NATS Streaming (BusTuning.maxInFlight).
    const messages = await consumer.consume({ max_messages: this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT });
    this.consumers.push(messages);
    this.loops.push(this.consumeLoop(messages, options));
  }

  /**
   * One record's messages one at a time in stream order (so versioned events
   * rarely wait), different records' at once, at most maxInFlight taken from
   * the consumer and not done.
   */
  private async consumeLoop(messages: ConsumerMessages, options: SubscriptionOptions): Promise<void> {
    const lanes = new RecordLanes();
    const limit = this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    for await (const msg of messages) {
      if (this.closing) break;
      let key = '';
      try {
        key = recordKeyOf(msg.json<EventEnvelope>());
      } catch {
        // deliver() terminates it
      }
      void lanes.run(key, () => this.deliver(msg, options));
      await lanes.below(limit);
    }
    await lanes.idle();
  }

  private async deliver(msg: JsMsg, options: SubscriptionOptions): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = msg.json<EventEnvelope>();
    } catch (err) {
      logger.error({ err, subject: options.subject }, 'unparseable event terminated');
      msg.term();
      return;
    }
    let acked = false;
    const deliveryCount = msg.info.deliveryCount;
    await options.handler(envelope, {
      ack: () => {
        acked = true;
        msg.ack();
      },
      deliveryCount,
      // A "not yet": back to the consumer after the delay instead of the ack wait.
      retryLater: (delayMs) => msg.nak(delayMs),
      reject: () => {
        acked = true;
        msg.term();
      },
    });
    // The server drops it after this delivery (max_deliver): count it as given up.
    if (!acked && deliveryCount >= this.options.maxDeliver) this.instrumentation.givenUp(options.subject, options.queueGroup);
  }

  publish(envelope: EventEnvelope): Promise<void> {
    return this.instrumentation.publish(envelope, async (outgoing) => {
      if (!this.js || !this.connected) throw new Error('NATS JetStream is not connected');
      await this.js.publish(outgoing.subject, JSON.stringify(outgoing), { msgID: outgoing.id, timeout: 5000 });
    });
  }

  isConnected(): boolean {
    return this.connected && !!this.nc && !this.nc.isClosed();
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const messages of this.consumers) messages.stop();
    await Promise.allSettled(this.loops);
    const nc = this.nc;
    this.nc = undefined;
    this.connected = false;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }
}
