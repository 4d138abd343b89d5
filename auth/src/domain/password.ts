import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;
const KEY_LENGTH = 64;

/**
 * NIST SP 800-63B §5.1.1.2: a password is NFKC-normalised before it is hashed,
 * so the same password typed another way (a composed or decomposed "é",
 * full-width digits from an IME) matches. Nothing is trimmed or cut.
 */
export const normalizePassword = (password: string): string => password.normalize('NFKC');

const matches = async (stored: Buffer, salt: string, supplied: string) => {
  const supplied64 = await scryptAsync(supplied, salt, KEY_LENGTH);
  return stored.length === supplied64.length && timingSafeEqual(stored, supplied64);
};

/** scrypt (of the NFKC form) with a random 16-byte salt, stored as `hash.salt` in hex. */
export const Password = {
  /**
   * A well-formed hash no password matches (random salt and hash): compared
   * against when the email is unknown, so that answer costs the same scrypt.
   */
  UNKNOWN_USER_HASH: `${randomBytes(KEY_LENGTH).toString('hex')}.${randomBytes(16).toString('hex')}`,

  async toHash(password: string): Promise<string> {
    const salt = randomBytes(16).toString('hex');
    const hash = await scryptAsync(normalizePassword(password), salt, KEY_LENGTH);
    return `${hash.toString('hex')}.${salt}`;
  },

  async compare(stored: string, supplied: string): Promise<boolean> {
    const [hashHex, salt] = stored.split('.');
    if (!hashHex || !salt) return false;
    const storedBuf = Buffer.from(hashHex, 'hex');
    const normalised = normalizePassword(supplied);
    if (await matches(storedBuf, salt, normalised)) return true;
    // Hashes stored before normalisation hold the password as typed then.
    return normalised !== supplied && matches(storedBuf, salt, supplied);
  },
};
