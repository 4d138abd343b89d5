import { QueueGroups } from '@ticketing/common';

/** The one queue group of the orders service's listeners (as the event catalog lists it). */
export const queueGroup = QueueGroups.Orders;
