import { requireAuth, validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { cancelOrderOf } from '../../domain/orders';

export const deleteOrderRouter = Router();

deleteOrderRouter.delete('/api/orders/:id', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
  await cancelOrderOf(req.params.id, req.currentUser!.id);
  res.status(204).send();
});
