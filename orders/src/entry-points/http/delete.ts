import { BadRequestError, NotAuthorizedError, NotFoundError, requireAuth, validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { Order } from '../../data/order';
import { cancelOrder } from '../../domain/orders';

export const deleteOrderRouter = Router();

deleteOrderRouter.delete('/api/orders/:id', requireAuth, validateIdParam(), async (req: Request, res: Response) => {
  const order = await Order.findById(req.params.id);
  if (!order) throw new NotFoundError();
  if (order.userId !== req.currentUser!.id) throw new NotAuthorizedError();
  // Cancelling twice is not an error: the second call changes nothing and publishes nothing.
  const outcome = await cancelOrder(order._id);
  if (outcome === 'complete') throw new BadRequestError('Cannot cancel a completed order');
  if (outcome === 'not-found') throw new NotFoundError();
  res.status(204).send();
});
