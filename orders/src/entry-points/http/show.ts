import { requireAuth, validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { orderOf } from '../../domain/orders';

export const showOrderRouter = Router();

showOrderRouter.get('/api/orders/:id', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
  res.send(await orderOf(req.params.id, req.currentUser!.id));
});
