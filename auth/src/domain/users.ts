import { audit, BadRequestError, isDuplicateKey } from '@ticketing/common';
import { User, UserDoc } from '../data/user';
import { Password } from './password';
import { SigninThrottle } from './signin-throttle';

/** Signs a new user up (the password policy is checked at the edge, with the field it belongs to). */
export async function signUp(throttle: SigninThrottle, input: { email: string; password: string; ip: string }): Promise<UserDoc> {
  await throttle.beforeSignup(input.email, input.ip);
  const user = new User({ email: input.email, password: input.password });
  try {
    await user.save();
  } catch (err) {
    if (isDuplicateKey(err)) throw new BadRequestError('Email in use');
    throw err;
  }
  audit('signup.succeeded', { userId: user.id, ip: input.ip });
  return user;
}

/**
 * Checks a user's credentials. Same answer and the same scrypt work for an
 * unknown email and a wrong password, so neither the response nor its
 * timing tells which emails exist.
 */
export async function signIn(throttle: SigninThrottle, input: { email: string; password: string; ip: string }): Promise<UserDoc> {
  const attempt = await throttle.beforeSignin(input.email, input.ip);
  const user = await User.findOne({ email: String(input.email).toLowerCase() });
  const matches = await Password.compare(user?.password ?? Password.UNKNOWN_USER_HASH, input.password);
  if (!user || !matches) {
    throttle.failedSignin(attempt);
    throw new BadRequestError('Invalid credentials');
  }
  await throttle.succeededSignin(attempt, user.id);
  return user;
}
