import { audit, BadRequestError, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';

import type { SessionIssuer } from '../../app';
import { User } from '../../data/user';
import {
  isCommonPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  PASSWORD_COMMON_MESSAGE,
  PASSWORD_LENGTH_MESSAGE,
  passwordLength,
} from '../../domain/password-policy';
import { SigninThrottle } from '../../domain/signin-throttle';
import { startSession } from './session';
import { emailIsValid } from './validators';

const DUPLICATE_KEY = 11000;

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
        .custom((value: string) => passwordLength(value) >= MIN_PASSWORD_LENGTH && passwordLength(value) <= MAX_PASSWORD_LENGTH)
        .withMessage(PASSWORD_LENGTH_MESSAGE)
        .bail()
        .custom((value: string, { req }) => !isCommonPassword(value, typeof req.body?.email === 'string' ? req.body.email : undefined))
        .withMessage(PASSWORD_COMMON_MESSAGE),
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const { email, password } = req.body;
      await throttle.beforeSignup(email, req.ip ?? 'unknown');
      const user = new User({ email, password });
      try {
        await user.save();
      } catch (err: any) {
        if (err?.code === DUPLICATE_KEY) throw new BadRequestError('Email in use');
        throw err;
      }
      audit('signup.succeeded', { userId: user.id, ip: req.ip });
      startSession(req, user, sessions);
      res.status(201).send(user);
    },
  );
  return router;
}
