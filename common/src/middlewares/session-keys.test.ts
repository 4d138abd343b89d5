import jwt from 'jsonwebtoken';
import { JWT_AUDIENCE, JWT_ISSUER, SessionKeys } from './session-keys';

const KEY = 'a-test-key-of-some-length-0123456789';
const user = { id: '656f6c6f6f6f6f6f6f6f6f6f', email: 'a@b.co' };

describe('SessionKeys.verify (verified tokens are kept until they expire)', () => {
  it('answers a repeated token with the same user, each caller its own copy', () => {
    const keys = new SessionKeys({ JWT_KEY: KEY });
    const token = keys.sign(user, 60);
    const first = keys.verify(token)!;
    expect(first).toMatchObject(user);
    first.email = 'changed@b.co';
    expect(keys.verify(token)).toMatchObject(user);
  });

  it('refuses a kept token once its exp has passed', () => {
    const keys = new SessionKeys({ JWT_KEY: KEY });
    const token = keys.sign(user, 60);
    const now = Date.now();
    const verified = keys.verify(token, now)!;
    expect(verified).toMatchObject(user);
    expect(keys.verify(token, verified.exp! * 1000 - 1)).toMatchObject(user);
    expect(keys.verify(token, verified.exp! * 1000)).toBeUndefined();
    expect(keys.verify(token, now + 3600_000)).toBeUndefined();
  });

  it('refuses a token expired before its first check, and any tampered copy of a kept one', () => {
    const keys = new SessionKeys({ JWT_KEY: KEY });
    const token = keys.sign(user, 60);
    expect(keys.verify(token, Date.now() + 120_000)).toBeUndefined();
    expect(keys.verify(token)).toMatchObject(user);
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...user, id: 'someone-else', iss: JWT_ISSUER, aud: JWT_AUDIENCE, exp: 9999999999 })).toString('base64url');
    expect(keys.verify(`${header}.${forgedPayload}.${signature}`)).toBeUndefined();
    expect(keys.verify(`${header}.${payload}.${signature.slice(0, -2)}xx`)).toBeUndefined();
  });

  it('keeps nothing across key rings: a token of a removed key is refused by a ring without it', () => {
    const before = new SessionKeys({ JWT_KEY: KEY, JWT_KEYS: 'k1:first-secret-0123456789' });
    const token = before.sign(user, 60);
    expect(before.verify(token)).toMatchObject(user);
    const after = new SessionKeys({ JWT_KEY: KEY, JWT_KEYS: 'k2:second-secret-0123456789' });
    expect(after.verify(token)).toBeUndefined();
    expect(jwt.decode(token, { complete: true })!.header.kid).toBe('k1');
  });
});
