import { validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';

import { SigninThrottle } from '../../domain/signin-throttle';
import { signIn } from '../../domain/users';
import { SessionIssuer, startSession } from './session';
import { emailIsValid } from './validators';

export function signinRouter(sessions: SessionIssuer, throttle: SigninThrottle): Router {
  const router = Router();
  router.post(
    '/api/users/signin',
    // The password as typed: never trimmed (NIST 800-63B), only required.
    [emailIsValid, body('password').isString().notEmpty().withMessage('You must supply a password')],
    validateRequest,
    async (req: Request, res: Response) => {
      const user = await signIn(throttle, { email: req.body.email, password: req.body.password, ip: req.ip ?? 'unknown' });
      startSession(req, user, sessions);
      res.status(200).send(user);
    },
  );
  return router;
}
