import { ExpirationCompleteEvent, Publisher, Subjects } from '@ticketing/common';

/**
 * Straight to the bus: expiration has no database to hold an outbox. The
 * Bull job is its outbox: it completes only after this publish succeeded,
 * and a failed publish is retried.
 */
export class ExpirationCompletePublisher extends Publisher<ExpirationCompleteEvent> {
  readonly subject = Subjects.ExpirationComplete;
}
