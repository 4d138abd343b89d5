import Queue from 'bull';
import { backoffDelay, Backoff, currentRequestId, logger, observeQueue, TraceCarrier, traceContextOf } from '@ticketing/common';

export const EXPIRATION_QUEUE_NAME = 'order:expiration';

export interface ExpirationPayload extends TraceCarrier {
  orderId: string;
  /** ISO 8601, as order:created carried it. */
  expiresAt: string;
  /** The request that placed the order, carried onto expiration:complete for log correlation. */
  requestId?: string;
  // traceparent/tracestate (TraceCarrier): the trace of the order:created handling, continued when the job fires.
}

export type ExpirationQueue = Queue.Queue<ExpirationPayload>;

export interface ExpirationQueueOptions {
  redis: { host: string; port: number };
  /** Redis key prefix (Bull's default is 'bull'); tests use their own so they never share jobs. */
  prefix?: string;
  /** Retry back-off of a failed publish: doubles from baseMs up to maxMs. */
  retry?: Backoff;
}

const BACKOFF = 'cappedExponential';
/** Effectively "until the bus takes it": with a 30 s cap this is about a month of retrying. */
const MAX_ATTEMPTS = 100000;
/** Completed jobs are kept this long so that a late redelivered order:created finds its job and adds nothing. */
const KEEP_COMPLETED_SECONDS = 24 * 3600;
const DEFAULT_RETRY = { baseMs: 1000, maxMs: 30000 };

/** The Bull queue of pending expirations (Redis via ioredis). */
export function createExpirationQueue(options: ExpirationQueueOptions): ExpirationQueue {
  const retry = options.retry ?? DEFAULT_RETRY;
  const queue = new Queue<ExpirationPayload>(EXPIRATION_QUEUE_NAME, {
    redis: { host: options.redis.host, port: options.redis.port },
    ...(options.prefix ? { prefix: options.prefix } : {}),
    settings: {
      backoffStrategies: {
        [BACKOFF]: (attemptsMade: number) => backoffDelay({ ...retry, attempt: attemptsMade }),
      },
    },
  });
  // Bull 4 calls setWorkerName() from process() without handling its promise: a queue
  // closed while that command is in flight (a quick restart) left an unhandled rejection.
  const bull = queue as unknown as { setWorkerName(): Promise<void> };
  const setWorkerName = bull.setWorkerName.bind(queue);
  bull.setWorkerName = () =>
    setWorkerName().catch((err) => logger.warn({ err }, 'could not name the Bull worker connection'));
  // Without a listener an 'error' event (Redis unreachable, ...) would crash the process.
  queue.on('error', (err) => logger.error({ err }, 'expiration queue error'));
  observeQueue({ name: EXPIRATION_QUEUE_NAME, counts: async () => ({ ...(await queue.getJobCounts()) }) });
  queue.on('failed', (job, err) =>
    logger.warn({ err, orderId: job.data.orderId, attemptsMade: job.attemptsMade }, 'expiration publish failed; will retry'),
  );
  return queue;
}

/**
 * Schedules the expiration of an order for its expiresAt. The job id is the
 * order id, so scheduling the same order again (a redelivered order:created)
 * adds nothing. Resolves once Redis has stored the job.
 */
export async function scheduleExpiration(
  queue: ExpirationQueue,
  order: { orderId: string; expiresAt: string },
  now = Date.now(),
): Promise<Queue.Job<ExpirationPayload>> {
  const delay = Math.max(0, new Date(order.expiresAt).getTime() - now);
  const requestId = currentRequestId();
  return queue.add(
    { orderId: order.orderId, expiresAt: order.expiresAt, ...(requestId ? { requestId } : {}), ...traceContextOf() },
    {
      jobId: order.orderId,
      delay,
      attempts: MAX_ATTEMPTS,
      backoff: { type: BACKOFF },
      removeOnComplete: { age: KEEP_COMPLETED_SECONDS },
      removeOnFail: false,
    },
  );
}

/** Readiness: Redis answers a ping (within a second). */
export async function isRedisReady(queue: ExpirationQueue, timeoutMs = 1000): Promise<boolean> {
  // No status gate: right after start the client may still be 'connecting' and answer a moment later.
  if (queue.client.status === 'end') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([queue.client.ping().then((pong) => pong === 'PONG'), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops taking jobs, lets running ones finish, closes the Redis connections.
 * Bull's close can reject with ioredis' "Connection is closed." when a
 * connection ends while it is being quit; the queue is closed all the same.
 */
export async function closeExpirationQueue(queue: ExpirationQueue): Promise<void> {
  try {
    await queue.close();
  } catch (err) {
    if (!/Connection is closed/.test(String((err as Error)?.message))) throw err;
  }
}
