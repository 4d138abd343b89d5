import { Router } from 'express';

export const signoutRouter = Router();

signoutRouter.post('/api/users/signout', (req, res) => {
  req.session = null;
  res.send({});
});
