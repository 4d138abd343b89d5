import { BadRequestError, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';

import type { SessionIssuer } from '../../app';
import { User } from '../../data/user';
import { Password } from '../../domain/password';
import { SigninThrottle } from '../../domain/signin-throttle';
import { startSession } from './session';
import { emailIsValid } from './validators';

export function signinRouter(sessions: SessionIssuer, throttle: SigninThrottle): Router {
  const router = Router();
  router.post(
    '/api/users/signin',
    // The password as typed: never trimmed (NIST 800-63B), only required.
    [emailIsValid, body('password').isString().notEmpty().withMessage('You must supply a password')],
    validateRequest,
    async (req: Request, res: Response) => {
      const { email, password } = req.body;
      const attempt = await throttle.beforeSignin(email, req.ip ?? 'unknown');
      const user = await User.findOne({ email: String(email).toLowerCase() });
      // Same answer and the same scrypt work for an unknown email and a wrong
      // password, so neither the response nor its timing tells which emails exist.
      const matches = await Password.compare(user?.password ?? Password.UNKNOWN_USER_HASH, password);
      if (!user || !matches) {
        throttle.failedSignin(attempt);
        throw new BadRequestError('Invalid credentials');
      }
      await throttle.succeededSignin(attempt, user.id);
      startSession(req, user, sessions);
      res.status(200).send(user);
    },
  );
  return router;
}
