import { QueueGroups } from '@ticketing/common';

/** The one queue group of the payments service's listeners (as the event catalog lists it). */
export const queueGroup = QueueGroups.Payments;
