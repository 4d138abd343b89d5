import { requireAuth } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { Order } from '../../data/order';

export const indexOrderRouter = Router();

indexOrderRouter.get('/api/orders', requireAuth, async (req: Request, res: Response) => {
  const orders = await Order.find({ userId: req.currentUser!.id }).sort({ createdAt: -1, _id: -1 }).populate('ticket');
  res.send(orders);
});
