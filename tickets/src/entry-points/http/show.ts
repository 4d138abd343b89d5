import { NotFoundError, validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { Ticket } from '../../data/ticket';

export const showTicketRouter = Router();

showTicketRouter.get('/api/tickets/:id', validateIdParam(), async (req: Request, res: Response) => {
  const ticket = await Ticket.findById(req.params.id);
  if (!ticket) throw new NotFoundError();
  res.send(ticket);
});
