import { validateIdParam } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { ticketById } from '../../domain/tickets';

export const showTicketRouter = Router();

showTicketRouter.get('/api/tickets/:id', validateIdParam(), async (req: Request, res: Response) => {
  res.send(await ticketById(req.params.id));
});
