import { requireAuth, validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { cancelEvent } from '../../domain/events';

/** The organizer or an admin (an email in `adminEmails`) cancels an event; event:cancelled is published once. */
export function cancelEventRouter(adminEmails: readonly string[]): Router {
  const router = Router();
  router.post('/api/events/:id/cancel', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
    res.send(await cancelEvent(req.params.id, req.currentUser!, adminEmails));
  });
  return router;
}
