import { requireAuth, validateIdParam, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { addWatch, removeWatch, watchesOf } from '../../domain/watches';
import { watchBodyRules } from './validators';

export const watchesRouter = Router();

/** Watches an event for a listing at or under a maximum all-in price. */
watchesRouter.post('/api/notifications/watches', requireAuth, watchBodyRules, validateRequest, async (req: Request, res: Response) => {
  res.status(201).send(await addWatch(req.currentUser!.id, req.body.eventId as string, req.body.maxPrice as number));
});

watchesRouter.get('/api/notifications/watches', requireAuth, async (req: Request, res: Response) => {
  res.send(await watchesOf(req.currentUser!.id));
});

watchesRouter.delete('/api/notifications/watches/:id', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
  await removeWatch(req.currentUser!.id, req.params.id);
  res.status(204).send();
});
