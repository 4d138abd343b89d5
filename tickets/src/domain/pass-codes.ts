import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The keys that sign pass codes, for rotation as with session keys: the
 * first signs, every one verifies until it is removed. PASS_KEYS is
 * `kid:secret,kid:secret`; unset, one key derived from JWT_KEY (so a
 * machine needs no new secret, and a pass key is never the session key).
 */
export class PassKeys {
  private readonly secrets: Buffer[];

  constructor(settings: { JWT_KEY: string; PASS_KEYS?: string }) {
    const listed = settings.PASS_KEYS ? settings.PASS_KEYS.split(',').map((entry) => entry.slice(entry.indexOf(':') + 1)) : [];
    this.secrets = listed.length
      ? listed.map((secret) => Buffer.from(secret, 'utf8'))
      : [createHash('sha256').update(`ticketing-passes:${settings.JWT_KEY}`).digest()];
  }

  private signature(secret: Buffer, body: string): Buffer {
    return createHmac('sha256', secret).update(body).digest();
  }

  /** A fresh code for the pass: `<passId>.<nonce>.<signature>`, base64url; a new nonce each time, so a reissued pass has a new code. */
  sign(passId: string): string {
    const body = `${passId}.${randomBytes(16).toString('base64url')}`;
    return `${body}.${this.signature(this.secrets[0], body).toString('base64url')}`;
  }

  /** The pass id a code names when one of the keys signed it; null for anything forged or malformed. */
  verify(code: unknown): string | null {
    if (typeof code !== 'string' || code.length > 200) return null;
    const match = /^([0-9a-f]{24})\.([\w-]{22})\.([\w-]{43})$/.exec(code);
    if (!match) return null;
    const body = `${match[1]}.${match[2]}`;
    const given = Buffer.from(match[3], 'base64url');
    // Every key is tried in full, whichever matches: no timing tells which.
    let valid = false;
    for (const secret of this.secrets) valid = timingSafeEqual(this.signature(secret, body), given) || valid;
    return valid ? match[1] : null;
  }
}
