import { BadRequestError, SessionConfig, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';

import { User } from '../models/user';
import { startSession } from './session';
import { emailIsValid } from './validators';

const DUPLICATE_KEY = 11000;

export function signupRouter(config: SessionConfig): Router {
  const router = Router();
  router.post(
    '/api/users/signup',
    [
      emailIsValid,
      body('password')
        .isString()
        .withMessage('Password must be between 4 and 20 characters')
        .bail()
        .trim()
        .isLength({ min: 4, max: 20 })
        .withMessage('Password must be between 4 and 20 characters'),
    ],
    validateRequest,
    async (req: Request, res: Response) => {
      const { email, password } = req.body;
      const user = new User({ email, password });
      try {
        await user.save();
      } catch (err: any) {
        if (err?.code === DUPLICATE_KEY) throw new BadRequestError('Email in use');
        throw err;
      }
      startSession(req, user, config.JWT_KEY, config.JWT_TTL_SECONDS);
      res.status(201).send(user);
    },
  );
  return router;
}
