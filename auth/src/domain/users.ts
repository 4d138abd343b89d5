import { audit, BadRequestError, isDuplicateKey, retry, saveWithEvent, Subjects } from '@ticketing/common';
import mongoose from 'mongoose';
import { unannouncedUserIds, User, UserDoc } from '../data/user';
import { Password } from './password';
import { SigninThrottle } from './signin-throttle';

/** The data of a user's user:created. */
const createdData = (user: UserDoc) => ({ id: String(user._id), email: user.email });

/**
 * Signs a new user up (the password policy is checked at the edge, with the
 * field it belongs to). The user and their user:created are one write: a
 * signup refused by the unique email stages nothing.
 */
export async function signUp(throttle: SigninThrottle, input: { email: string; password: string; ip: string }): Promise<UserDoc> {
  await throttle.beforeSignup(input.email, input.ip);
  const user = new User({ email: input.email, password: input.password, announced: true });
  try {
    await saveWithEvent(user, Subjects.UserCreated, createdData(user));
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

/** Users the backfill reads per page. */
const BACKFILL_PAGE = 100;

/** The staging write lost a race: another process announced the user (or changed it) since the read. */
const lostRace = (err: unknown) => err instanceof mongoose.Error.VersionError || err instanceof mongoose.Error.DocumentNotFoundError;

/**
 * Stages a user's user:created unless a write did already. The write is
 * conditional on the user still being unannounced, so of two processes
 * announcing at once one stages it; the other, reading again, finds it done.
 */
function announceUser(id: mongoose.Types.ObjectId): Promise<boolean> {
  return retry(
    async () => {
      const user = await User.findById(id);
      if (!user || user.announced) return false;
      user.announced = true;
      await saveWithEvent(user, Subjects.UserCreated, createdData(user), { announced: { $ne: true } });
      return true;
    },
    { attempts: 5, retryIf: lostRace },
  );
}

/**
 * Stages user:created, once, for each user who signed up before auth
 * published it (no `announced` flag); returns how many this call staged.
 * Safe to run on every start and in every replica at once.
 */
export async function announceEarlierUsers(pageSize = BACKFILL_PAGE): Promise<number> {
  let staged = 0;
  let after: mongoose.Types.ObjectId | undefined;
  for (;;) {
    const ids = await unannouncedUserIds(pageSize, after);
    for (const id of ids) if (await announceUser(id)) staged += 1;
    if (ids.length < pageSize) break;
    after = ids[ids.length - 1];
  }
  return staged;
}
