import { requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { editEvent } from '../../domain/events';
import { eventDetails } from './details';
import { eventBodyRules } from './validators';

export const updateEventRouter = Router();

/** The organizer edits a scheduled event (domain/events.ts: editEvent). */
updateEventRouter.put(
  '/api/events/:id',
  requireAuth,
  validateIdParam(),
  eventBodyRules,
  validateRequest,
  async (req: Request, res: Response) => {
    res.send(await editEvent(req.params.id, req.currentUser!.id, eventDetails(req)));
  },
);
