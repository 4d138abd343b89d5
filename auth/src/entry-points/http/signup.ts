import { validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';

import { hasAllowedLength, isCommonPassword, PASSWORD_COMMON_MESSAGE, PASSWORD_LENGTH_MESSAGE } from '../../domain/password-policy';
import { SigninThrottle } from '../../domain/signin-throttle';
import { signUp } from '../../domain/users';
import { SessionIssuer, startSession } from './session';
import { emailIsValid } from './validators';

export function signupRouter(sessions: SessionIssuer, throttle: SigninThrottle): Router {
  const router = Router();
  router.post(
    '/api/users/signup',
    [
      emailIsValid,
      // NIST SP 800-63B: length and a blocklist only; kept exactly as typed (no trim, no truncation).
      body('password')
        .isString()
        .withMessage(PASSWORD_LENGTH_MESSAGE)
        .bail()
        .custom((value: string) => hasAllowedLength(value))
        .withMessage(PASSWORD_LENGTH_MESSAGE)
        .bail()
        .custom((value: string, { req }) => !isCommonPassword(value, typeof req.body?.email === 'string' ? req.body.email : undefined))
        .withMessage(PASSWORD_COMMON_MESSAGE),
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const user = await signUp(throttle, { email: req.body.email, password: req.body.password, ip: req.ip ?? 'unknown' });
      startSession(req, user, sessions);
      res.status(201).send(user);
    },
  );
  return router;
}
