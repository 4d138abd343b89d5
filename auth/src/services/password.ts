import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 64;

/** scrypt with a random 16-byte salt, stored as `hash.salt` in hex. */
export const Password = {
  /**
   * A well-formed hash no password matches (random salt and hash): compared
   * against when the email is unknown, so that answer costs the same scrypt.
   */
  UNKNOWN_USER_HASH: `${randomBytes(KEY_LENGTH).toString('hex')}.${randomBytes(16).toString('hex')}`,

  async toHash(password: string): Promise<string> {
    const salt = randomBytes(16).toString('hex');
    const hash = await scryptAsync(password, salt, KEY_LENGTH);
    return `${hash.toString('hex')}.${salt}`;
  },

  async compare(stored: string, supplied: string): Promise<boolean> {
    const [hashHex, salt] = stored.split('.');
    if (!hashHex || !salt) return false;
    const supplied64 = await scryptAsync(supplied, salt, KEY_LENGTH);
    const storedBuf = Buffer.from(hashHex, 'hex');
    return storedBuf.length === supplied64.length && timingSafeEqual(storedBuf, supplied64);
  },
};
