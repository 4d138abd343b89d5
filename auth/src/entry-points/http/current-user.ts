import { Router } from 'express';

export const currentUserRouter = Router();

currentUserRouter.get('/api/users/currentuser', (req, res) => {
  const user = req.currentUser;
  res.send({ currentUser: user ? { id: user.id, email: user.email, iat: user.iat } : null });
});
