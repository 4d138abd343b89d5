import { validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { eventById } from '../../domain/events';

export const showEventRouter = Router();

/** One event, whatever its status (a cancelled one too). */
showEventRouter.get('/api/events/:id', validateIdParam(), async (req: Request, res: Response) => {
  res.send(await eventById(req.params.id));
});
