import { PeriodicJob } from './periodic-job';

const INTERVAL_MS = 1000;

/** A pass the test finishes by hand, to hold it in progress. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Settles what the promises in flight can settle without the clock moving. */
const settle = () => jest.advanceTimersByTimeAsync(0);

describe('PeriodicJob', () => {
  const logged: Array<{ level: string; fields: unknown; message: string }> = [];
  const logger = {
    warn: (fields: unknown, message: string) => void logged.push({ level: 'warn', fields, message }),
    error: (fields: unknown, message: string) => void logged.push({ level: 'error', fields, message }),
  } as unknown as ConstructorParameters<typeof PeriodicJob>[0]['logger'];
  const failure = { level: 'warn', message: 'test job failed; will retry' } as const;
  let job: PeriodicJob | undefined;

  beforeEach(() => {
    jest.useFakeTimers();
    logged.length = 0;
  });
  afterEach(async () => {
    await job?.stop();
    job = undefined;
    jest.useRealTimers();
  });

  it('runs a pass every interval once started, and none before', async () => {
    let passes = 0;
    job = new PeriodicJob({ intervalMs: INTERVAL_MS, pass: async () => void (passes += 1), failure, logger });
    job.start();
    job.start(); // a second start does not add a second timer
    await jest.advanceTimersByTimeAsync(INTERVAL_MS - 1);
    expect(passes).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(passes).toBe(4);
    expect(logged).toEqual([]);
  });

  it('logs a pass that throws, at the level and with the message given, and goes on', async () => {
    const outcomes = [new Error('first pass broke'), undefined, new Error('third pass broke'), undefined];
    let passes = 0;
    job = new PeriodicJob({
      intervalMs: INTERVAL_MS,
      pass: async () => {
        const outcome = outcomes[passes++];
        if (outcome) throw outcome;
      },
      failure: { level: 'error', message: 'test job failed' },
      logger,
    });
    job.start();
    await jest.advanceTimersByTimeAsync(4 * INTERVAL_MS);
    expect(passes).toBe(4);
    expect(logged).toEqual([
      { level: 'error', fields: { err: outcomes[0] }, message: 'test job failed' },
      { level: 'error', fields: { err: outcomes[2] }, message: 'test job failed' },
    ]);
  });

  it('logs a pass that throws before returning a promise, and goes on', async () => {
    let passes = 0;
    const broken = new Error('thrown at once');
    job = new PeriodicJob({
      intervalMs: INTERVAL_MS,
      pass: () => {
        passes += 1;
        throw broken;
      },
      failure,
      logger,
    });
    job.start();
    await jest.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    expect(passes).toBe(2);
    expect(logged).toEqual([
      { level: 'warn', fields: { err: broken }, message: failure.message },
      { level: 'warn', fields: { err: broken }, message: failure.message },
    ]);
  });

  it('skips the ticks that find a pass still running', async () => {
    const slow = deferred();
    let passes = 0;
    job = new PeriodicJob({
      intervalMs: INTERVAL_MS,
      pass: () => {
        passes += 1;
        return passes === 1 ? slow.promise : Promise.resolve();
      },
      failure,
      logger,
    });
    job.start();
    await jest.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    expect(passes).toBe(1);
    slow.resolve();
    await settle();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(passes).toBe(2);
  });

  it('stop waits for the pass in progress, and no pass starts after it', async () => {
    const inProgress = deferred();
    let passes = 0;
    let finished = 0;
    job = new PeriodicJob({
      intervalMs: INTERVAL_MS,
      pass: async () => {
        passes += 1;
        await inProgress.promise;
        finished += 1;
      },
      failure,
      logger,
    });
    job.start();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(passes).toBe(1);

    let stopped = false;
    const stopping = job.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    expect(stopped).toBe(false);

    inProgress.resolve();
    await stopping;
    expect(stopped).toBe(true);
    expect(finished).toBe(1);

    await jest.advanceTimersByTimeAsync(10 * INTERVAL_MS);
    expect(passes).toBe(1);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stop with no pass in progress, or before start, resolves at once', async () => {
    let passes = 0;
    job = new PeriodicJob({ intervalMs: INTERVAL_MS, pass: async () => void (passes += 1), failure, logger });
    await job.stop();
    job.start();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    await job.stop();
    await jest.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    expect(passes).toBe(1);
  });

  it('starts again after a stop', async () => {
    let passes = 0;
    job = new PeriodicJob({ intervalMs: INTERVAL_MS, pass: async () => void (passes += 1), failure, logger });
    job.start();
    await jest.advanceTimersByTimeAsync(INTERVAL_MS);
    await job.stop();
    job.start();
    await jest.advanceTimersByTimeAsync(2 * INTERVAL_MS);
    expect(passes).toBe(3);
  });
});
