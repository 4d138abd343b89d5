import { requireAuth, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { inboxOf, markRead } from '../../domain/inbox';
import { readBodyRules } from './validators';

export const inboxRouter = Router();

/** The caller's notifications, newest first, and the unread count. */
inboxRouter.get('/api/notifications', requireAuth, async (req: Request, res: Response) => {
  res.send(await inboxOf(req.currentUser!.id));
});

/** Marks the given notifications of the caller read, or all of them. */
inboxRouter.post('/api/notifications/read', requireAuth, readBodyRules, validateRequest, async (req: Request, res: Response) => {
  res.send(await markRead(req.currentUser!.id, req.body?.ids as string[] | undefined));
});
