import { EventBus, logger, observeJobLateness, requestContext, traceDeferred } from '@ticketing/common';
import { EXPIRATION_QUEUE_NAME, ExpirationQueue } from '../../data/expiration-queue';
import { expire } from '../../domain/expiration';

/**
 * Runs due expirations: publishes expiration:complete and only then lets
 * Bull complete the job. A publish that throws fails the attempt, and Bull
 * retries it with back-off.
 */
export function processExpirations(queue: ExpirationQueue, bus: EventBus, concurrency = 5): void {
  const processing = queue.process(concurrency, async (job) => {
    const { orderId, requestId } = job.data;
    if (job.attemptsMade === 0) observeJobLateness(EXPIRATION_QUEUE_NAME, job.timestamp + (job.opts.delay ?? 0));
    await requestContext.run({ requestId: requestId ?? `expiration-${orderId}` }, () =>
      traceDeferred('fire expiration', job.data, { 'ticketing.order.id': orderId, 'ticketing.job.attempt': job.attemptsMade + 1 }, async () => {
        await expire(bus, orderId);
        logger.info({ orderId, expiresAt: job.data.expiresAt, attempt: job.attemptsMade + 1 }, 'expiration:complete published');
      }),
    );
  });
  // Settles when the queue closes; a rejection here is Redis trouble the 'error' handler also reports.
  processing.catch((err) => logger.error({ err }, 'expiration processing stopped'));
}
