import { Express } from 'express';
import request from 'supertest';
import { recordAuditEvents, useTestDatabase, useTestRedis } from '@ticketing/common/testing';
import { backoffSeconds } from '../../domain/signin-throttle';
import { testApp } from '../../test/app';

// Sign-in and sign-up throttling against the real app and the real Redis.
// Requests name their address the way the gateway does (X-Forwarded-For,
// trusted for one hop).

useTestDatabase();
const redis = useTestRedis();

const PASSWORD = 'correct horse battery';
const WRONG = 'wrong horse battery';
const from = (app: Express, ip: string) => ({
  signup: (email: string, password = PASSWORD) => request(app).post('/api/users/signup').set('X-Forwarded-For', ip).send({ email, password }),
  signin: (email: string, password = PASSWORD) => request(app).post('/api/users/signin').set('X-Forwarded-For', ip).send({ email, password }),
});
/**
 * The back-off in these tests: a minute, so a gate never opens by itself
 * while a test runs, however slow the machine; the test lets the time pass
 * by expiring the gates in Redis (what the clock would do).
 */
const BACKOFF = { SIGNIN_BACKOFF_SECONDS: 60 };
async function backoffElapses() {
  const gates = await redis.client.keys(`${redis.namespace}*signin-backoff*`);
  for (const gate of gates) await redis.client.pexpire(gate, 1);
  while ((await redis.client.exists(...(gates.length ? gates : ['-']))) > 0) await new Promise((r) => setTimeout(r, 5));
}
/** A wait as Retry-After shows it: n × the base, less what the requests in between took (a few seconds at most). */
function expectAbout(retryAfter: number, seconds: number) {
  expect(retryAfter).toBeGreaterThan(seconds - 5);
  expect(retryAfter).toBeLessThanOrEqual(seconds);
}
const statuses = (responses: Array<{ status: number }>) => responses.map((r) => r.status);
const count = (list: number[], status: number) => list.filter((s) => s === status).length;

/** Every 429 looks like this: the error shape, a message a person can act on, and Retry-After in seconds. */
function expectTooMany(res: request.Response) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.get('Retry-After'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(res.body).toEqual({ errors: [{ message: expect.stringMatching(/^Too many requests, try again in \d+ (second|seconds|minutes|hours)$/) }] });
  return retryAfter;
}

describe('back-off per account and address', () => {
  it('grows the wait after the free failures (1 ×, then 2 × the base), refuses even the right password meanwhile, and a success resets it', async () => {
    const app = testApp(redis, BACKOFF);
    const alice = from(app, '10.1.0.1');
    await alice.signup('alice@test.com').expect(201);

    // Five free failures, and a sixth that closes the gate for the base (60 s here).
    for (let i = 0; i < 6; i++) await alice.signin('alice@test.com', WRONG).expect(400);
    expectAbout(expectTooMany(await alice.signin('alice@test.com', WRONG)), 60);
    // While waiting, the right password is refused too: the back-off is no oracle.
    expectTooMany(await alice.signin('alice@test.com'));

    await backoffElapses();
    await alice.signin('alice@test.com', WRONG).expect(400); // the 7th failure: next wait twice the base
    expectAbout(expectTooMany(await alice.signin('alice@test.com')), 120);
    await backoffElapses();
    await alice.signin('alice@test.com').expect(200);

    // Reset: five free failures again.
    for (let i = 0; i < 5; i++) await alice.signin('alice@test.com', WRONG).expect(400);
  });

  it('delays only the address that failed: the owner elsewhere signs in', async () => {
    const app = testApp(redis, BACKOFF);
    await from(app, '10.1.0.1').signup('bob@test.com').expect(201);
    const attacker = from(app, '10.66.0.1');
    for (let i = 0; i < 6; i++) await attacker.signin('bob@test.com', WRONG).expect(400);
    expectTooMany(await attacker.signin('bob@test.com', WRONG));
    await from(app, '10.1.0.1').signin('bob@test.com').expect(200);
  });

  it('throttles an unknown email exactly like a known one (no hint which emails exist)', async () => {
    const app = testApp(redis, BACKOFF);
    const caller = from(app, '10.1.0.2');
    await caller.signup('known@test.com').expect(201);
    const answers = async (email: string) => {
      const list = [];
      for (let i = 0; i < 8; i++) {
        const res = await caller.signin(email, WRONG);
        // Retry-After as a multiple of the base: the seconds left also count how long the requests in between took.
        const retryAfter = res.get('Retry-After');
        list.push({ status: res.status, body: res.body, retryAfter: retryAfter ? Math.round(Number(retryAfter) / 60) : null });
      }
      return list;
    };
    const known = await answers('known@test.com');
    const unknown = await answers('nobody@test.com');
    expect(unknown).toEqual(known);
    expect(known.map((a) => a.status)).toEqual([400, 400, 400, 400, 400, 400, 429, 429]);
  });

  it('of 20 concurrent wrong guesses lets through only the free ones and one more', async () => {
    const app = testApp(redis, BACKOFF);
    const caller = from(app, '10.1.0.3');
    await caller.signup('carol@test.com').expect(201);
    const results = statuses(await Promise.all(Array.from({ length: 20 }, () => caller.signin('carol@test.com', WRONG))));
    expect(count(results, 400)).toBe(6);
    expect(count(results, 429)).toBe(14);
  });

  it('doubles up to the cap', () => {
    expect([1, 5, 6, 7, 8, 15, 16, 40].map((n) => backoffSeconds(n, 5, 900))).toEqual([0, 0, 1, 2, 4, 512, 900, 900]);
    expect([5, 6, 7, 8, 9].map((n) => backoffSeconds(n, 5, 300, 60))).toEqual([0, 60, 120, 240, 300]);
  });
});

describe('failures per account (ASVS: at most N an hour)', () => {
  it('stops guesses from many addresses, while an address the owner signed in from before still works', async () => {
    const app = testApp(redis, { SIGNIN_FAILURES_PER_ACCOUNT_PER_HOUR: 10 });
    const owner = from(app, '10.2.0.1');
    await owner.signup('dave@test.com').expect(201);
    await owner.signin('dave@test.com').expect(200); // the owner's address becomes known

    // A botnet: two guesses from each of five addresses, none of them backed off.
    const guesses = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 2; j++) guesses.push(await from(app, `10.66.1.${i}`).signin('dave@test.com', WRONG));
    expect(statuses(guesses)).toEqual(Array(10).fill(400));
    const retryAfter = expectTooMany(await from(app, '10.66.1.99').signin('dave@test.com', WRONG));
    expect(retryAfter).toBeGreaterThan(3500); // until the hour is over, then it lifts: never for good
    expectTooMany(await from(app, '10.66.1.99').signin('dave@test.com')); // even with the right password

    await owner.signin('dave@test.com').expect(200);
  });
});

describe('limits per address', () => {
  it('counts every sign-in attempt of an address per minute, also concurrent ones', async () => {
    const app = testApp(redis, { SIGNIN_PER_IP_PER_MINUTE: 10 });
    const results = statuses(
      await Promise.all(Array.from({ length: 25 }, (_, i) => from(app, '10.3.0.1').signin(`user${i}@test.com`, WRONG))),
    );
    expect(count(results, 400)).toBe(10);
    expect(count(results, 429)).toBe(15);
    // Another address is not affected.
    await from(app, '10.3.0.2').signin('user0@test.com', WRONG).expect(400);
  });

  it('counts failed sign-ins of an address per hour (credential stuffing across accounts)', async () => {
    const app = testApp(redis, { SIGNIN_FAILURES_PER_IP_PER_HOUR: 8 });
    const stuffer = from(app, '10.3.1.1');
    for (let i = 0; i < 8; i++) await stuffer.signin(`victim${i}@test.com`, WRONG).expect(400);
    expectTooMany(await stuffer.signin('victim9@test.com', WRONG));
  });

  it('counts an IPv6 client by its /64 network: a fresh address in the same /64 is the same client', async () => {
    const app = testApp(redis, { SIGNIN_PER_IP_PER_MINUTE: 4 });
    const hosts = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:DB8:1:2::ffff'];
    for (const [i, host] of hosts.entries()) await from(app, host).signin(`v6-${i}@test.com`, WRONG).expect(400);
    expectTooMany(await from(app, '2001:db8:1:2:ffff::9').signin('v6-x@test.com', WRONG));
    // The next /64 is another client, and IPv4-mapped IPv6 counts as its IPv4 address.
    await from(app, '2001:db8:1:3::1').signin('v6-x@test.com', WRONG).expect(400);
    await from(app, '10.3.2.1').signin('v4@test.com', WRONG).expect(400);
    await from(app, '::ffff:10.3.2.1').signin('v4@test.com', WRONG).expect(400);
    await from(app, '10.3.2.1').signin('v4@test.com', WRONG).expect(400);
    await from(app, '::ffff:10.3.2.1').signin('v4@test.com', WRONG).expect(400);
    expectTooMany(await from(app, '10.3.2.1').signin('v4@test.com', WRONG));
  });

  it('counts sign-ups of an address per minute, and of one email per hour', async () => {
    const app = testApp(redis, { SIGNUP_PER_IP_PER_MINUTE: 4 });
    const results = statuses(await Promise.all(Array.from({ length: 6 }, (_, i) => from(app, '10.3.2.1').signup(`new${i}@test.com`))));
    expect(count(results, 201)).toBe(4);
    expect(count(results, 429)).toBe(2);

    const perEmail = testApp(redis);
    const probes = [];
    for (let i = 0; i < 11; i++) probes.push((await from(perEmail, `10.3.3.${i}`).signup('probe@test.com')).status);
    expect(probes).toEqual([201, ...Array(9).fill(400), 429]);
  });

  it('lets a classroom behind one address through: 50 sign-ups, 50 sign-ins and their ordinary traffic in a minute (defaults)', async () => {
    const app = testApp(redis);
    const room = from(app, '10.4.0.1');
    const emails = Array.from({ length: 50 }, (_, i) => `student${i}@school.test`);
    const signups = await Promise.all(emails.map((e) => room.signup(e)));
    expect(statuses(signups)).toEqual(Array(50).fill(201));
    // Each student mistypes once, then signs in, then loads who they are a few times.
    const typos = await Promise.all(emails.map((e) => room.signin(e, WRONG)));
    expect(statuses(typos)).toEqual(Array(50).fill(400));
    const signins = await Promise.all(emails.map((e) => room.signin(e)));
    expect(statuses(signins)).toEqual(Array(50).fill(200));
    const pages = await Promise.all(
      signins.flatMap((s) =>
        Array.from({ length: 4 }, () => request(app).get('/api/users/currentuser').set('X-Forwarded-For', '10.4.0.1').set('Cookie', s.get('Set-Cookie')!)),
      ),
    );
    expect(statuses(pages)).toEqual(Array(200).fill(200));
  });
});

describe('shared through Redis', () => {
  it('two replicas count one account together', async () => {
    const namespace = `${redis.namespace}:replicas`;
    const a = testApp(redis, {}, namespace);
    const b = testApp(redis, {}, namespace);
    await from(a, '10.5.0.1').signup('erin@test.com').expect(201);
    const results = [];
    for (let i = 0; i < 7; i++) results.push((await from(i % 2 ? a : b, '10.5.0.2').signin('erin@test.com', WRONG)).status);
    expect(results).toEqual([400, 400, 400, 400, 400, 400, 429]);
  });
});

describe('audit trail', () => {
  it('logs sign-in failures, throttling and successes with the request id, a hashed account and no secret', async () => {
    const audit = recordAuditEvents();
    const lines = audit.records;
    try {
      const app = testApp(redis, { SIGNIN_FREE_FAILURES: 1, ...BACKOFF });
      const frank = from(app, '10.6.0.1');
      const up = await frank.signup('frank@test.com').expect(201);
      const failed = await frank.signin('frank@test.com', WRONG).expect(400);
      await frank.signin('frank@test.com', WRONG).expect(400);
      const throttled = await frank.signin('frank@test.com', WRONG).expect(429);
      await backoffElapses();
      const ok = await frank.signin('frank@test.com').expect(200);

      expect(lines.map((l) => l.fields.audit)).toEqual(['signup.succeeded', 'signin.failed', 'signin.failed', 'signin.throttled', 'signin.succeeded']);
      expect(lines[0]).toMatchObject({ fields: { userId: up.body.id, ip: '10.6.0.1' }, requestId: up.get('x-request-id') });
      expect(lines[1]).toMatchObject({ fields: { account: expect.any(String), ip: '10.6.0.1' }, requestId: failed.get('x-request-id') });
      expect(lines[3]).toMatchObject({ fields: { retryAfter: Number(throttled.get('Retry-After')) }, requestId: throttled.get('x-request-id') });
      expect(lines[4]).toMatchObject({ fields: { userId: ok.body.id }, requestId: ok.get('x-request-id') });
      const text = JSON.stringify(lines);
      for (const secret of ['frank@test.com', PASSWORD, WRONG]) expect(text).not.toContain(secret);
    } finally {
      audit.restore();
    }
  });
});
