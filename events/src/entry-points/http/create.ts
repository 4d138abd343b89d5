import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { scheduleEvent } from '../../domain/events';
import { eventDetails } from './details';
import { eventBodyRules } from './validators';

export const createEventRouter = Router();

/** Schedules an event, the caller its organizer; event:created goes out through the outbox. */
createEventRouter.post('/api/events', requireAuth, eventBodyRules, validateRequest, async (req: Request, res: Response) => {
  res.status(201).send(await scheduleEvent(eventDetails(req), req.currentUser!.id));
});
