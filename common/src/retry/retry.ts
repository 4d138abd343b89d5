/** Exponential back-off: how long to wait before a retry. */
export interface Backoff {
  /** The wait before the first retry. */
  baseMs: number;
  /** The longest wait: doubling stops here. */
  maxMs: number;
  /**
   * Full jitter: a random wait between 0 and the computed one, so callers
   * that failed together do not retry in lockstep.
   */
  jitter?: boolean;
}

/**
 * The wait before retry number `attempt` (1 for the first): baseMs, then
 * doubling, never above maxMs. An attempt below 1 counts as the first.
 */
export function backoffDelay({ attempt, baseMs, maxMs, jitter = false }: Backoff & { attempt: number }): number {
  // Past 2^30 the cap has long been reached; the bound keeps the power finite.
  const doublings = Math.min(30, Math.max(0, attempt - 1));
  const delay = Math.min(maxMs, baseMs * 2 ** doublings);
  return jitter ? Math.random() * delay : delay;
}

/** How often, or for how long, to try: at least one bound, both allowed. */
export type RetryBound = { attempts: number; timeoutMs?: number } | { attempts?: number; timeoutMs: number };

export type RetryOptions<T> = RetryBound & {
  /** Which errors are worth another try (default: all); any other propagates at once. */
  retryIf?: (err: unknown) => boolean;
  /** Tries again while a result is not good enough yet; when the bound is reached that result is returned. */
  until?: (result: T) => boolean;
  /** The wait before each retry (default: none). */
  backoff?: Backoff;
  /** Told of each failure that will be retried (e.g. to log it), with the retry's number (1 for the first). */
  onRetry?: (err: unknown, retry: number) => void;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds (and its result passes `until`), within the
 * bound: `attempts` tries in all, or until `timeoutMs` has passed since the
 * first. Past the bound the last outcome stands: its error is thrown, or its
 * result returned.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions<T>): Promise<T> {
  const { attempts = Infinity, timeoutMs, retryIf = () => true, until, backoff, onRetry } = options;
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    const last = attempt >= attempts;
    let result: T;
    try {
      result = await fn(attempt);
    } catch (err) {
      if (last || !retryIf(err) || Date.now() >= deadline) throw err;
      onRetry?.(err, attempt);
      if (backoff) await sleep(backoffDelay({ ...backoff, attempt }));
      continue;
    }
    if (!until || until(result) || last || Date.now() >= deadline) return result;
    if (backoff) await sleep(backoffDelay({ ...backoff, attempt }));
  }
}
