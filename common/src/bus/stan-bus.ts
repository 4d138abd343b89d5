import nats, { Message, Stan } from 'node-nats-streaming';
import { EventEnvelope } from '../events';
import { logger } from '../logger';
import { retry } from '../retry/retry';
import { BusTuning, DEFAULT_MAX_IN_FLIGHT, DeliveredMessage, EventBus, SubscriptionOptions } from './event-bus';
import { EventInstrumentation, noInstrumentation } from './instrumentation';
import { RecordLanes, recordKeyOf } from './record-lanes';

export interface StanBusOptions extends BusTuning {
  url: string;
  clusterId: string;
  clientId: string;
  /** What watches the bus (default: nothing). */
  instrumentation?: EventInstrumentation;
}

const RECONNECT_DELAY_MS = 1000;

/** The envelope, for its record key only (dispatch parses and judges it again). */
function peek(msg: Message): EventEnvelope | undefined {
  try {
    return JSON.parse(String(msg.getData()));
  } catch {
    return undefined;
  }
}
const PUBLISH_TIMEOUT_MS = 5000;
const SUBSCRIBE_TIMEOUT_MS = 10000;

/**
 * NATS Streaming (the original design's transport). node-nats-streaming does not
 * re-establish a streaming session once the server has dropped it
 * ('connection_lost'), so this class reconnects and re-subscribes itself.
 */
export class StanBus implements EventBus {
  private stan?: Stan;
  private connected = false;
  private closing = false;
  private readonly subscriptions: SubscriptionOptions[] = [];
  /** Deliveries and retries under way (close waits for them). */
  private readonly inFlight = new Set<Promise<void>>();
  private reconnectTimer?: NodeJS.Timeout;
  /** Deliveries so far of messages not acked yet, by queue group, subject and sequence. */
  private readonly deliveries = new Map<string, number>();
  /** Pending own redeliveries of "not yet" messages (see attempt). */
  private readonly retryTimers = new Set<NodeJS.Timeout>();

  readonly instrumentation: EventInstrumentation;

  constructor(private readonly options: StanBusOptions) {
    this.instrumentation = options.instrumentation ?? noInstrumentation;
  }

  /** NATS Streaming's ack wait has a granularity of seconds: at least one. */
  private get ackWaitMs(): number {
    return Math.max(1000, this.options.ackWaitMs);
  }

  /** Resolves on the first successful connection; keeps retrying until then or until timeoutMs. */
  async connect(timeoutMs = 30000): Promise<void> {
    await retry(() => this.openSession(), { timeoutMs, backoff: { baseMs: RECONNECT_DELAY_MS, maxMs: RECONNECT_DELAY_MS } });
  }

  private openSession(): Promise<void> {
    return new Promise((resolve, reject) => {
      const { url, clusterId, clientId } = this.options;
      const stan = nats.connect(clusterId, clientId, {
        url,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        connectTimeout: 2000,
        stanPingInterval: 2000,
        stanMaxPingOut: 3,
      });
      let settled = false;
      stan.on('connect', () => {
        settled = true;
        this.stan = stan;
        this.connected = true;
        logger.info({ url, clientId }, 'connected to NATS Streaming');
        for (const sub of this.subscriptions) void this.attach(stan, sub);
        resolve();
      });
      stan.on('error', (err: Error) => {
        if (!settled) {
          settled = true;
          stan.removeAllListeners();
          try {
            stan.close();
          } catch {
            /* never opened */
          }
          reject(err);
          return;
        }
        logger.warn({ err }, 'NATS Streaming error');
      });
      stan.on('disconnect', () => {
        this.connected = false;
      });
      stan.on('reconnect', () => {
        this.connected = true;
      });
      stan.on('connection_lost', (err: Error) => {
        logger.warn({ err }, 'NATS Streaming session lost; reconnecting');
        this.connected = false;
        this.scheduleReconnect();
      });
      stan.on('close', () => {
        this.connected = false;
        if (this.stan === stan) this.scheduleReconnect();
      });
    });
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer) return;
    this.stan = undefined;
    this.reconnectTimer = setTimeout(async () => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      try {
        await this.openSession();
      } catch (err) {
        logger.warn({ err }, 'NATS Streaming reconnect failed; retrying');
        this.scheduleReconnect();
      }
    }, RECONNECT_DELAY_MS);
  }

  /** Resolves once the server has the subscription ('ready'): from then on it is durable on the server. */
  private attach(stan: Stan, options: SubscriptionOptions): Promise<void> {
    const subOptions = stan
      .subscriptionOptions()
      .setManualAckMode(true)
      .setAckWait(this.ackWaitMs)
      .setMaxInFlight(this.options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT)
      .setDeliverAllAvailable()
      .setDurableName(options.queueGroup);
    const subscription = stan.subscribe(options.subject, options.queueGroup, subOptions);
    // One record's messages in delivery order, different records' at once (the broker bounds them: maxInFlight).
    const lanes = new RecordLanes();
    subscription.on('message', (msg: Message) => {
      if (this.closing) return; // not acked: another replica (or we, later) get it again
      this.track(lanes.run(recordKeyOf(peek(msg)), () => this.deliver(options, msg)));
    });
    subscription.on('error', (err: Error) => logger.error({ err, subject: options.subject }, 'subscription error'));
    return new Promise((resolve) => subscription.once('ready', () => resolve()));
  }

  private async deliver(options: SubscriptionOptions, msg: Message): Promise<void> {
    // NATS Streaming counts no deliveries and has no max-deliver: count them
    // here (per process) so a message no listener can ever apply is given up
    // after maxDeliver attempts, as JetStream does, instead of forever.
    const key = `${options.queueGroup}:${options.subject}:${msg.getSequence()}`;
    const deliveryCount = (this.deliveries.get(key) ?? (msg.isRedelivered() ? 1 : 0)) + 1;
    await this.attempt(options, msg, key, deliveryCount, Date.now());
  }

  /**
   * One delivery to the handler. A handler that asks to be retried later (a
   * "not yet") gets the message again from this process after the delay, as
   * long as that is inside the ack wait of the broker's delivery; NATS
   * Streaming has no nak, and waiting for its redelivery would take the full
   * ack wait. Past that point the broker's redelivery takes over.
   */
  private async attempt(options: SubscriptionOptions, msg: Message, key: string, deliveryCount: number, receivedAt: number): Promise<void> {
    if (deliveryCount > this.options.maxDeliver) {
      logger.error({ subject: options.subject, sequence: msg.getSequence(), deliveryCount }, 'event given up after max deliveries');
      this.instrumentation.givenUp(options.subject, options.queueGroup);
      this.deliveries.delete(key);
      msg.ack();
      return;
    }
    // Only messages still waiting for a redelivery stay counted.
    this.deliveries.set(key, deliveryCount);
    let acked = false;
    let retryInMs: number | undefined;
    const ack = () => {
      acked = true;
      this.deliveries.delete(key);
      msg.ack();
    };
    // NATS Streaming has no term: a poison message is acked so it never comes back.
    await this.dispatch(options, msg, { ack, deliveryCount, retryLater: (delayMs) => (retryInMs = delayMs), reject: ack });
    if (acked || retryInMs === undefined || this.closing) return;
    if (Date.now() + retryInMs >= receivedAt + this.ackWaitMs) return; // the broker redelivers it sooner
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      // Acked meanwhile (the broker's own redelivery got there), given up, or closing: nothing to do.
      if (this.closing || !this.deliveries.has(key)) return;
      const next = this.deliveries.get(key)! + 1;
      this.track(this.attempt(options, msg, key, next, receivedAt));
    }, retryInMs);
    this.retryTimers.add(timer);
  }

  private async dispatch(options: SubscriptionOptions, msg: Message, delivered: DeliveredMessage): Promise<void> {
    let envelope: EventEnvelope;
    try {
      envelope = JSON.parse(String(msg.getData()));
    } catch (err) {
      // A message no listener can ever read: ack so it does not come back forever.
      logger.error({ err, subject: options.subject }, 'unparseable event dropped');
      delivered.ack();
      return;
    }
    await options.handler(envelope, delivered);
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /**
   * Subscribes, and resolves only once the server has the subscription: a
   * listener that returned before that (its request still on the wire) could
   * miss everything published after, if the broker restarted in between (the
   * request was lost, and nothing re-sent it). A reconnect re-attaches every
   * subscription.
   */
  async subscribe(options: SubscriptionOptions): Promise<void> {
    this.subscriptions.push(options);
    if (!this.stan || !this.connected) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`NATS Streaming did not confirm the subscription to ${options.subject} within ${SUBSCRIBE_TIMEOUT_MS} ms`)), SUBSCRIBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.attach(this.stan, options), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  publish(envelope: EventEnvelope): Promise<void> {
    return this.instrumentation.publish(envelope, (outgoing) => this.send(outgoing));
  }

  private send(envelope: EventEnvelope): Promise<void> {
    const stan = this.stan;
    if (!stan || !this.connected) return Promise.reject(new Error('NATS Streaming is not connected'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('NATS Streaming publish timed out')), PUBLISH_TIMEOUT_MS);
      try {
        stan.publish(envelope.subject, JSON.stringify(envelope), (err) => {
          clearTimeout(timer);
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  isConnected(): boolean {
    return this.connected;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
    const stan = this.stan;
    this.stan = undefined;
    this.connected = false;
    if (!stan) return;
    // Closing (not unsubscribing) keeps the durable queue group for the next start.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 3000);
      stan.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        stan.close();
      } catch {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
