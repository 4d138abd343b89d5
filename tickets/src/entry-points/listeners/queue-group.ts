import { QueueGroups } from '@ticketing/common';

export const queueGroupName = QueueGroups.Tickets;
