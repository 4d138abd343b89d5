import { QueueGroups } from '@ticketing/common';

/** The one queue group (durable name) of the notifications service's listeners (as the event catalog lists it). */
export const queueGroup = QueueGroups.Notifications;
