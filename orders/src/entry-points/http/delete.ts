import { requireAuth, validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { HoldLimit } from '../../domain/hold-limit';
import { cancelOrderOf } from '../../domain/orders';

export function deleteOrderRouter(holds: HoldLimit): Router {
  return Router().delete('/api/orders/:id', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
    await cancelOrderOf(req.params.id, req.currentUser!.id, holds);
    res.status(204).send();
  });
}
