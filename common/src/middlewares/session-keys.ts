import { createHash, createSecretKey, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** Who issues session tokens and who they are for: checked on every verify. */
export const JWT_ISSUER = 'ticketing-auth';
export const JWT_AUDIENCE = 'ticketing';
const ALGORITHM = 'HS256';
/** Verified tokens kept per key ring (one per live session at most; ~300 bytes each). */
const VERIFIED_CACHE_SIZE = 10_000;

export interface UserPayload {
  id: string;
  email: string;
  iat?: number;
  exp?: number;
}

export interface SessionKeySettings {
  /** SPEC's JWT_KEY: signs when JWT_KEYS is unset, and always verifies (tokens from before a rotation). */
  JWT_KEY: string;
  /** `kid:secret,kid:secret`: the first signs, every one verifies until it is removed. */
  JWT_KEYS?: string;
}

/** A stable id for a key given without one (JWT_KEY): part of its hash, never the key. */
const derivedKid = (secret: string) => `k-${createHash('sha256').update(secret).digest('hex').slice(0, 12)}`;

const secretKey = (secret: string): KeyObject => createSecretKey(Buffer.from(secret, 'utf8'));

/** Parses JWT_KEYS; throws on a malformed entry (config validation reports it first). */
export function parseJwtKeys(value: string): Array<{ kid: string; secret: string }> {
  return value.split(',').map((entry) => {
    const at = entry.indexOf(':');
    const kid = entry.slice(0, at).trim();
    const secret = entry.slice(at + 1);
    if (at <= 0 || !/^[\w.-]+$/.test(kid) || !secret) throw new Error('JWT_KEYS must be kid:secret[,kid:secret...]');
    return { kid, secret };
  });
}

/**
 * The keys of session JWTs, for rotation: tokens carry the key id (`kid`) of
 * the key that signed them; verifying picks the key by id, accepts only
 * HS256 and checks issuer, audience and expiry.
 */
export class SessionKeys {
  private readonly signing: { kid: string; secret: KeyObject };
  // Key objects made once, not per request: given a string, jsonwebtoken first
  // tries to parse it as a public key, which is costly on every request.
  private readonly byKid = new Map<string, KeyObject>();
  private readonly legacy: KeyObject;
  /**
   * Tokens that verified, with their expiry: a session sends the same JWT
   * with every request, and HMAC-checking and parsing it again is a real
   * share of a cheap request's cost. Only what passed every check
   * is kept, the keys of this instance never change, and a hit is refused
   * once its `exp` has passed, as jsonwebtoken would. Bounded: emptied when full.
   */
  private readonly verified = new Map<string, { user: UserPayload; expiresAtMs: number }>();

  constructor(settings: SessionKeySettings) {
    const ring = settings.JWT_KEYS ? parseJwtKeys(settings.JWT_KEYS) : [];
    const own = { kid: derivedKid(settings.JWT_KEY), secret: settings.JWT_KEY };
    const signing = ring[0] ?? own;
    this.signing = { kid: signing.kid, secret: secretKey(signing.secret) };
    for (const key of [...ring, own]) if (!this.byKid.has(key.kid)) this.byKid.set(key.kid, secretKey(key.secret));
    this.legacy = secretKey(settings.JWT_KEY);
  }

  get signingKid(): string {
    return this.signing.kid;
  }

  sign(user: { id: string; email: string }, ttlSeconds: number): string {
    return jwt.sign({ id: user.id, email: user.email }, this.signing.secret, {
      algorithm: ALGORITHM,
      expiresIn: ttlSeconds,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      keyid: this.signing.kid,
    });
  }

  /** The payload of a valid token; undefined for anything expired, forged, of another algorithm, issuer or audience. */
  verify(token: string, nowMs = Date.now()): UserPayload | undefined {
    const known = this.verified.get(token);
    if (known) {
      if (nowMs < known.expiresAtMs) return { ...known.user };
      this.verified.delete(token);
      return undefined;
    }
    const user = this.verifyToken(token, nowMs);
    // Tokens without exp are not kept: none of ours lacks it, and expiry is what bounds a hit's validity.
    if (user?.exp !== undefined) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(token, { user, expiresAtMs: user.exp * 1000 });
      return { ...user };
    }
    return user;
  }

  private verifyToken(token: string, nowMs: number): UserPayload | undefined {
    try {
      const decoded = jwt.decode(token, { complete: true });
      if (!decoded || typeof decoded.payload === 'string') return undefined;
      const kid = decoded.header.kid;
      // A token without kid predates rotation: only JWT_KEY can have signed it.
      const secret = kid === undefined ? this.legacy : this.byKid.get(kid);
      if (!secret) return undefined;
      const payload = jwt.verify(token, secret, {
        algorithms: [ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        clockTimestamp: Math.floor(nowMs / 1000),
      }) as jwt.JwtPayload;
      if (typeof payload.id !== 'string' || typeof payload.email !== 'string') return undefined;
      return { id: payload.id, email: payload.email, iat: payload.iat, exp: payload.exp };
    } catch {
      return undefined;
    }
  }
}
