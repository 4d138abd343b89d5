import { SessionKeys } from '../middlewares/session-keys';
import mongoose from 'mongoose';

export const TEST_JWT_KEY = 'test-jwt-key';

export interface TestUser {
  id: string;
  email: string;
}

export const newId = () => new mongoose.Types.ObjectId().toHexString();

/** A cookie header for a signed-in user, as the auth service would set it. */
export function signin(user: Partial<TestUser> = {}, jwtKey = TEST_JWT_KEY): string[] {
  const payload: TestUser = { id: user.id ?? newId(), email: user.email ?? 'test@test.com' };
  const token = new SessionKeys({ JWT_KEY: jwtKey }).sign(payload, 3600);
  const session = Buffer.from(JSON.stringify({ jwt: token })).toString('base64');
  return [`session=${session}`];
}
