import { NotAuthorizedError, NotFoundError, requireAuth, validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { Order } from '../../data/order';

export const showOrderRouter = Router();

showOrderRouter.get('/api/orders/:id', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
  const order = await Order.findById(req.params.id).populate('ticket');
  if (!order) throw new NotFoundError();
  if (order.userId !== req.currentUser!.id) throw new NotAuthorizedError();
  res.send(order);
});
