import { requireAuth } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { ordersOf } from '../../domain/orders';

export const listOrdersRouter = Router();

listOrdersRouter.get('/api/orders', requireAuth, async (req: Request, res: Response) => {
  res.send(await ordersOf(req.currentUser!.id));
});
