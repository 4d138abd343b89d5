import { BadRequestError, SessionConfig, validateRequest } from '@ticketing/common';
import { Request, Response, Router } from 'express';
import { body } from 'express-validator';

import { User } from '../models/user';
import { Password } from '../services/password';
import { startSession } from './session';
import { emailIsValid } from './validators';

export function signinRouter(config: SessionConfig): Router {
  const router = Router();
  router.post(
    '/api/users/signin',
    [emailIsValid, body('password').isString().trim().notEmpty().withMessage('You must supply a password')],
    validateRequest,
    async (req: Request, res: Response) => {
      const { email, password } = req.body;
      const user = await User.findOne({ email: String(email).toLowerCase() });
      // One message for both cases, so the response does not reveal which emails exist.
      if (!user || !(await Password.compare(user.password, password))) {
        throw new BadRequestError('Invalid credentials');
      }
      startSession(req, user, config.JWT_KEY, config.JWT_TTL_SECONDS);
      res.status(200).send(user);
    },
  );
  return router;
}
