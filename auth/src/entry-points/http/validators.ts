import { body } from 'express-validator';

export const emailIsValid = body('email').isString().withMessage('Email must be valid').bail().trim().isEmail().withMessage('Email must be valid');
