import { audit, backoffDelay, clientAddressKey, hashedKey, HOUR, MINUTE, RateLimitConfig, RateLimits, TooManyRequestsError } from '@ticketing/common';

const DAY = 24 * HOUR;
/** How long a successful sign-in makes an address "known" for that account. */
const KNOWN_ADDRESS_SECONDS = 30 * DAY;

export type ThrottleSettings = Pick<
  RateLimitConfig,
  | 'SIGNIN_PER_IP_PER_MINUTE'
  | 'SIGNIN_FAILURES_PER_IP_PER_HOUR'
  | 'SIGNIN_FAILURES_PER_ACCOUNT_PER_HOUR'
  | 'SIGNIN_FREE_FAILURES'
  | 'SIGNIN_BACKOFF_SECONDS'
  | 'SIGNIN_MAX_BACKOFF_SECONDS'
  | 'SIGNUP_PER_IP_PER_MINUTE'
  | 'SIGNUP_PER_ACCOUNT_PER_HOUR'
>;

/** The wait after the n-th consecutive attempt: none for the free ones, then base, 2 × base, 4 × base, ... up to the cap. */
export function backoffSeconds(attempt: number, free: number, cap: number, base = 1): number {
  if (attempt <= free) return 0;
  return backoffDelay({ attempt: attempt - free, baseMs: base * 1000, maxMs: cap * 1000 }) / 1000;
}

/** What beforeSignin learnt, for the outcome calls. */
export interface SigninAttempt {
  account: string;
  /** The per-address key (IPv6: its /64). */
  ip: string;
  /** The client address as seen, for the audit trail. */
  address: string;
  pair: string;
  /** The account signed in from this address before: the per-account limit does not apply. */
  knownAddress: boolean;
}

/**
 * Sign-in and sign-up throttling (OWASP ASVS 2.2.1), every counter in Redis.
 *
 * Every attempt is counted as a failure up front (atomically) and given back
 * when it succeeds, so a burst of concurrent guesses is limited exactly like
 * the same guesses one after the other.
 *
 * - per address: all attempts per minute, failures per hour (generous: a
 *   classroom shares one address);
 * - per account and address: after SIGNIN_FREE_FAILURES consecutive failures,
 *   one attempt per back-off period (1 s, 2 s, 4 s, ... capped), reset by a
 *   success: a soft lock-out that only ever delays, and only that address;
 * - per account: at most SIGNIN_FAILURES_PER_ACCOUNT_PER_HOUR failures an hour
 *   from addresses the account has never signed in from. An address the account
 *   signed in from before is exempt, so an attacker elsewhere cannot lock its
 *   owner out, and the limit lifts within the hour anyway.
 *
 * Accounts are keyed by the email as typed (normalised, hashed), whether or
 * not a user has it: an unknown email is throttled exactly like a known one,
 * so a 429 tells nothing about which emails exist.
 */
export class SigninThrottle {
  private readonly attemptsPerIp;
  private readonly failuresPerIp;
  private readonly failuresPerAccount;
  private readonly consecutive;
  private readonly backoff;
  private readonly knownAddress;
  private readonly signupsPerIp;
  private readonly signupsPerAccount;

  constructor(
    limits: RateLimits,
    private readonly settings: ThrottleSettings,
  ) {
    this.attemptsPerIp = limits.limit('signin-ip', { points: settings.SIGNIN_PER_IP_PER_MINUTE, windowSeconds: MINUTE });
    this.failuresPerIp = limits.limit('signin-fail-ip', { points: settings.SIGNIN_FAILURES_PER_IP_PER_HOUR, windowSeconds: HOUR });
    this.failuresPerAccount = limits.limit('signin-fail-account', {
      points: settings.SIGNIN_FAILURES_PER_ACCOUNT_PER_HOUR,
      windowSeconds: HOUR,
    });
    // A counter, not a limit: consecutive failures of one account from one address (forgotten a day later).
    this.consecutive = limits.limit('signin-consecutive', { points: Number.MAX_SAFE_INTEGER, windowSeconds: DAY });
    this.backoff = limits.gate('signin-backoff');
    this.knownAddress = limits.limit('signin-known', { points: 1, windowSeconds: KNOWN_ADDRESS_SECONDS });
    this.signupsPerIp = limits.limit('signup-ip', { points: settings.SIGNUP_PER_IP_PER_MINUTE, windowSeconds: MINUTE });
    this.signupsPerAccount = limits.limit('signup-account', { points: settings.SIGNUP_PER_ACCOUNT_PER_HOUR, windowSeconds: HOUR });
  }

  /** Before the password is checked: throws TooManyRequestsError (429) if this attempt must wait. */
  async beforeSignin(email: string, address: string): Promise<SigninAttempt> {
    const account = accountKey(email);
    // IPv6 counted by /64: one subscriber's network is one address here.
    const ip = clientAddressKey(address);
    const attempt: SigninAttempt = { account, ip, address, pair: `${account}:${ip}`, knownAddress: false };
    const given: Array<() => Promise<void>> = [];
    try {
      await this.attemptsPerIp.consume(ip);
      await this.failuresPerIp.consume(ip);
      given.push(() => this.failuresPerIp.reward(ip));
      attempt.knownAddress = await this.knownAddress.has(attempt.pair);
      if (!attempt.knownAddress) {
        await this.failuresPerAccount.consume(account);
        given.push(() => this.failuresPerAccount.reward(account));
      }
      const n = await this.consecutive.penalty(attempt.pair);
      given.push(() => this.consecutive.reward(attempt.pair));
      const wait = backoffSeconds(
        n,
        this.settings.SIGNIN_FREE_FAILURES,
        this.settings.SIGNIN_MAX_BACKOFF_SECONDS,
        this.settings.SIGNIN_BACKOFF_SECONDS,
      );
      if (wait > 0) {
        const msLeft = await this.backoff.pass(attempt.pair, wait);
        if (msLeft > 0) throw new TooManyRequestsError(Math.ceil(msLeft / 1000));
      }
      return attempt;
    } catch (err) {
      if (err instanceof TooManyRequestsError) {
        // A refused attempt tried no password: it is not a failure.
        await Promise.all(given.map((giveBack) => giveBack())).catch(() => undefined);
        audit('signin.throttled', { account, ip: address, retryAfter: err.retryAfterSeconds });
      }
      throw err;
    }
  }

  /** A wrong password or an unknown email (already counted by beforeSignin). */
  failedSignin(attempt: SigninAttempt): void {
    audit('signin.failed', { account: attempt.account, ip: attempt.address });
  }

  /** Signed in: the failure counted up front is given back, the back-off ends, the address becomes known. */
  async succeededSignin(attempt: SigninAttempt, userId: string): Promise<void> {
    await Promise.all([
      this.failuresPerIp.reward(attempt.ip),
      attempt.knownAddress ? Promise.resolve() : this.failuresPerAccount.reward(attempt.account),
      this.consecutive.reset(attempt.pair),
      this.backoff.open(attempt.pair),
      attempt.knownAddress ? Promise.resolve() : this.knownAddress.mark(attempt.pair, KNOWN_ADDRESS_SECONDS),
    ]);
    audit('signin.succeeded', { userId, ip: attempt.address });
  }

  /** Before a sign-up is looked at: per address and per email. */
  async beforeSignup(email: string, address: string): Promise<void> {
    const account = accountKey(email);
    const ip = clientAddressKey(address);
    try {
      await this.signupsPerIp.consume(ip);
      await this.signupsPerAccount.consume(account);
    } catch (err) {
      if (err instanceof TooManyRequestsError) audit('signup.throttled', { account, ip: address, retryAfter: err.retryAfterSeconds });
      throw err;
    }
  }
}

/** The account an attempt names: the email as the user model stores it (trimmed, lower-cased), hashed. */
export const accountKey = (email: string): string => hashedKey(String(email).trim().toLowerCase());
