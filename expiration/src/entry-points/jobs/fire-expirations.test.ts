import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { EventEnvelope, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, waitFor } from '@ticketing/common/testing';
import { listenersOf } from '../listeners';
import { disposeQueue, orderCreated, requireRedis, testQueue, uniquePrefix } from '../../test/queue';
import { closeExpirationQueue, ExpirationQueue } from '../../data/expiration-queue';
import { processExpirations } from './fire-expirations';

beforeAll(requireRedis);

/** Records when each publish happened. */
class TimedBus extends InMemoryBus {
  readonly publishedAt: number[] = [];
  override async publish(envelope: EventEnvelope): Promise<void> {
    await super.publish(envelope);
    this.publishedAt.push(Date.now());
  }
}

/** One running "expiration process" in this jest worker: queue, processor, listener. */
async function startExpiration(prefix: string) {
  const bus = new TimedBus();
  const queue = testQueue(prefix);
  await queue.isReady();
  processExpirations(queue, bus);
  await listenTo(listenersOf(bus, queue), Subjects.OrderCreated);
  return { bus, queue };
}


/**
 * "On time": well under Bull's 5 s guard interval, which would otherwise be
 * what picks a forgotten delayed job up; slack for a busy CI machine.
 */
const ON_TIME_MS = 2500;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const queues: ExpirationQueue[] = [];
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => disposeQueue(q).catch(() => undefined)));
});

describe('expiration queue', () => {
  it('publishes expiration:complete when the order expires, then completes the job', async () => {
    const { bus, queue } = await startExpiration(uniquePrefix('fire'));
    queues.push(queue);
    const expiresAt = new Date(Date.now() + 2000);
    const data = orderCreated(expiresAt);
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);

    await sleep(1000);
    expect(bus.published).toHaveLength(0); // not before its time

    await waitFor(() => bus.published.length === 1, 10000);
    expect(bus.publishedData(Subjects.ExpirationComplete)).toEqual([{ orderId: data.id }]);
    const lateness = bus.publishedAt[0] - expiresAt.getTime();
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(ON_TIME_MS);
    await waitFor(async () => (await (await queue.getJob(data.id))?.getState()) === 'completed');

    // A late redelivery of order:created finds the completed job and schedules nothing.
    expect(await bus.deliver(Subjects.OrderCreated, data, { deliveryCount: 2 })).toBe(true);
    await sleep(500);
    expect(bus.published).toHaveLength(1);
  });

  it('retries a publish that failed, and completes the job only once it succeeds', async () => {
    const { bus, queue } = await startExpiration(uniquePrefix('retry'));
    queues.push(queue);
    bus.failPublishes = true;
    const data = orderCreated(new Date());
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);

    await waitFor(async () => ((await queue.getJob(data.id))?.attemptsMade ?? 0) >= 2, 10000);
    expect(await (await queue.getJob(data.id))!.getState()).not.toBe('completed');
    expect(bus.published).toHaveLength(0);

    bus.failPublishes = false;
    await waitFor(() => bus.published.length === 1, 10000);
    expect(bus.publishedData(Subjects.ExpirationComplete)).toEqual([{ orderId: data.id }]);
    await waitFor(async () => (await (await queue.getJob(data.id))?.getState()) === 'completed');
    await sleep(300);
    expect(bus.published).toHaveLength(1);
  });

  it('fires on time after the expiration process restarts between scheduling and firing', async () => {
    const prefix = uniquePrefix('restart');
    const first = await startExpiration(prefix);
    const expiresAt = new Date(Date.now() + 3000);
    const data = orderCreated(expiresAt);
    expect(await first.bus.deliver(Subjects.OrderCreated, data)).toBe(true);

    // The process stops (its Redis connections close)...
    await closeExpirationQueue(first.queue);
    await sleep(1000);
    // ...and a new one starts on the same Redis, before the order is due.
    const second = await startExpiration(prefix);
    queues.push(second.queue);

    await waitFor(() => second.bus.published.length === 1, 10000);
    const lateness = second.bus.publishedAt[0] - expiresAt.getTime();
    console.log(
      `expiration restart (in-process queue closed and reopened): fired ${lateness} ms after expiresAt ` +
        `(window 3000 ms, downtime 1000 ms)`,
    );
    expect(second.bus.publishedData(Subjects.ExpirationComplete)).toEqual([{ orderId: data.id }]);
    expect(first.bus.published).toHaveLength(0);
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(ON_TIME_MS);
  });

  it('fires as soon as it is back when the process was down past expiresAt', async () => {
    const prefix = uniquePrefix('down');
    const first = await startExpiration(prefix);
    const expiresAt = new Date(Date.now() + 1000);
    const data = orderCreated(expiresAt);
    expect(await first.bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    await closeExpirationQueue(first.queue);
    await sleep(2000);

    const restartedAt = Date.now();
    const second = await startExpiration(prefix);
    queues.push(second.queue);
    await waitFor(() => second.bus.published.length === 1, 10000);
    expect(second.bus.publishedData(Subjects.ExpirationComplete)).toEqual([{ orderId: data.id }]);
    expect(second.bus.publishedAt[0] - restartedAt).toBeLessThan(ON_TIME_MS);
    await sleep(300);
    expect(second.bus.published).toHaveLength(1);
  });
});

/** A real child process running the expiration queue, processor and listener (see test/expiration-process.ts). */
class ExpirationProcess {
  readonly lines: any[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private stderr = '';

  constructor(prefix: string, options: { standby?: boolean } = {}) {
    const here = path.resolve(__dirname, '..', '..', 'test');
    this.child = spawn(
      process.execPath,
      [
        '-r',
        require.resolve('ts-node/register/transpile-only'),
        '-r',
        path.join(here, 'register-sources.ts'),
        path.join(here, 'expiration-process.ts'),
        prefix,
        ...(options.standby ? ['--standby'] : []),
      ],
      {
        cwd: path.resolve(__dirname, '../../..'),
        env: { ...process.env, LOG_LEVEL: 'silent', TS_NODE_PROJECT: path.resolve(__dirname, '../../../tsconfig.json') },
      },
    );
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line));
      } catch {
        // not one of ours
      }
    });
    this.child.stderr.on('data', (chunk) => {
      this.stderr += String(chunk);
    });
  }

  async next(type: string, timeoutMs = 20000) {
    try {
      return await waitFor(() => this.lines.find((l) => l.type === type), timeoutMs, 20);
    } catch (err) {
      throw new Error(`${String(err)}; child stderr: ${this.stderr.slice(-2000)}`, { cause: err });
    }
  }

  send(command: object): void {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
  }

  /** Dies at once, as a crash or an OOM kill would: no graceful close of anything. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill(signal);
    await exited;
  }
}

describe('expiration process restart (real processes)', () => {
  const children: ExpirationProcess[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((c) => c.kill()));
  });

  it('fires once, from the new process, after the old one was killed between scheduling and firing', async () => {
    const prefix = uniquePrefix('process');
    const bootStart = Date.now();
    const first = new ExpirationProcess(prefix);
    // The replacement loads its code now (ts-node is slow on a busy machine) but
    // connects to Redis only when told: what is measured is the restart, not the boot.
    const second = new ExpirationProcess(prefix, { standby: true });
    children.push(first, second);
    await Promise.all([first.next('ready', 45000), second.next('loaded', 45000)]);
    const bootMs = Date.now() - bootStart;

    const expiresAt = new Date(Date.now() + 3000);
    const data = orderCreated(expiresAt);
    first.send({ deliver: data });
    expect(await first.next('acked')).toMatchObject({ orderId: data.id, acked: true });
    // A crash: no graceful close, the job is only in Redis now.
    await first.kill('SIGKILL');
    await sleep(1000);

    second.send({ start: true });
    await second.next('ready');
    const fired = await second.next('published', 20000);
    const lateness = fired.at - expiresAt.getTime();
    console.log(
      `expiration restart (process SIGKILLed 1 s after scheduling, a new process started): ` +
        `fired ${lateness} ms after expiresAt (window 3000 ms; ts-node boot of both processes ${bootMs} ms, not counted)`,
    );
    expect(fired.envelope).toMatchObject({ subject: Subjects.ExpirationComplete, data: { orderId: data.id } });
    expect(first.lines.filter((l) => l.type === 'published')).toHaveLength(0);
    expect(lateness).toBeGreaterThanOrEqual(0);
    expect(lateness).toBeLessThan(ON_TIME_MS);

    await sleep(500);
    expect(second.lines.filter((l) => l.type === 'published')).toHaveLength(1);
    queues.push(testQueue(prefix)); // removes the test's keys afterwards
  }, 90000);
});
