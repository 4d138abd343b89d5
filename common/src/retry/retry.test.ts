import { backoffDelay, retry } from './retry';

describe('backoffDelay', () => {
  it('starts at baseMs, doubles, and stops at maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((attempt) => backoffDelay({ attempt, baseMs: 25, maxMs: 1000 }))).toEqual([25, 25, 50, 100, 200, 400, 800, 1000]);
    expect(backoffDelay({ attempt: 10_000, baseMs: 1, maxMs: 900 })).toBe(900);
  });

  it('with jitter, waits a random part of the computed delay', () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay({ attempt: 3, baseMs: 100, maxMs: 1000, jitter: true });
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(400);
    }
  });
});

describe('retry', () => {
  const failing = (times: number, result = 'done') => {
    const calls: number[] = [];
    const fn = async (attempt: number) => {
      calls.push(attempt);
      if (calls.length <= times) throw new Error(`failure ${calls.length}`);
      return result;
    };
    return { fn, calls };
  };

  it('returns the first success, telling onRetry of each failure before it', async () => {
    const { fn, calls } = failing(2);
    const retried: Array<[string, number]> = [];
    await expect(retry(fn, { attempts: 5, onRetry: (err, n) => retried.push([(err as Error).message, n]) })).resolves.toBe('done');
    expect(calls).toEqual([1, 2, 3]);
    expect(retried).toEqual([
      ['failure 1', 1],
      ['failure 2', 2],
    ]);
  });

  it('throws the last error once the attempts are used up', async () => {
    const { fn, calls } = failing(10);
    await expect(retry(fn, { attempts: 4 })).rejects.toThrow('failure 4');
    expect(calls).toEqual([1, 2, 3, 4]);
  });

  it('does not retry an error retryIf refuses', async () => {
    const { fn, calls } = failing(10);
    await expect(retry(fn, { attempts: 4, retryIf: () => false })).rejects.toThrow('failure 1');
    expect(calls).toEqual([1]);
  });

  it('waits the back-off between tries', async () => {
    const { fn } = failing(3);
    const started = Date.now();
    await retry(fn, { attempts: 4, backoff: { baseMs: 20, maxMs: 40 } });
    // 20 + 40 + 40: the third wait is capped.
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('with `until`, tries again while the result is not good enough, and returns the last one at the bound', async () => {
    let n = 0;
    await expect(retry(async () => ++n, { attempts: 10, until: (x) => x >= 3 })).resolves.toBe(3);
    n = 0;
    await expect(retry(async () => ++n, { attempts: 2, until: (x) => x >= 3 })).resolves.toBe(2);
  });

  it('stops at timeoutMs: the last outcome stands', async () => {
    const { fn, calls } = failing(Infinity);
    const started = Date.now();
    await expect(retry(fn, { timeoutMs: 100, backoff: { baseMs: 30, maxMs: 30 } })).rejects.toThrow(/failure/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(calls.length).toBeGreaterThanOrEqual(3);
    expect(calls.length).toBeLessThanOrEqual(6);
    await expect(retry(async () => null, { timeoutMs: 60, until: (x) => x !== null, backoff: { baseMs: 20, maxMs: 20 } })).resolves.toBeNull();
  });
});
