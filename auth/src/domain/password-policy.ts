import { dictionary } from '@zxcvbn-ts/language-common';
import { normalizePassword } from './password';

/** NIST SP 800-63B §3.1.1.2: at least 8 characters, at least 64 allowed; no composition rules. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 128;

export const PASSWORD_LENGTH_MESSAGE = `Password must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`;
export const PASSWORD_COMMON_MESSAGE = 'Password is too common, choose another';

/**
 * The 49,233 most common passwords of breach corpora, as shipped by
 * @zxcvbn-ts/language-common (no network), compared case-insensitively.
 */
const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
/** Words a guesser tries first on this site (800-63B: context-specific words). */
const CONTEXT = ['ticketing', 'tickets', 'stubhub'];

/** Characters as a person counts them (code points of the NFKC form, as hashed), not UTF-16 units. */
export const passwordLength = (password: string): number => [...normalizePassword(password)].length;

/**
 * Between MIN and MAX characters both as typed and as hashed (NFKC): a
 * compatibility character can stand for several ("½" is "1⁄2"), so either
 * count alone would let a password outside the bounds the API documents through.
 */
export function hasAllowedLength(password: string): boolean {
  const within = (n: number) => n >= MIN_PASSWORD_LENGTH && n <= MAX_PASSWORD_LENGTH;
  return within([...password].length) && within(passwordLength(password));
}

/** Is the password one a guesser tries early: on the list, a site word, or the email or its name part? */
export function isCommonPassword(password: string, email?: string): boolean {
  const p = normalizePassword(password).toLowerCase();
  if (COMMON.has(p) || CONTEXT.includes(p)) return true;
  if (email) {
    const e = email.trim().toLowerCase();
    if (p === e || p === e.split('@')[0]) return true;
  }
  return false;
}
