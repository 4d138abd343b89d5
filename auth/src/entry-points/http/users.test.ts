import jwt from 'jsonwebtoken';
import request from 'supertest';
import { Express } from 'express';
import { JWT_AUDIENCE, JWT_ISSUER, SessionKeys, Subjects } from '@ticketing/common';
import { TEST_JWT_KEY, useTestDatabase, useTestRedis } from '@ticketing/common/testing';
import { scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { User } from '../../data/user';
import { Password } from '../../domain/password';
import { testApp, testService } from '../../test/app';

useTestDatabase();
const redis = useTestRedis();
// A fresh app per test: its rate-limit counters start at zero, like the database.
let app: Express;
beforeEach(() => {
  app = testApp(redis);
});

const PASSWORD = 'correct horse battery';
const signup = (email = 'test@test.com', password = PASSWORD) =>
  request(app).post('/api/users/signup').send({ email, password });

/** A session cookie carrying this token. */
const cookieWith = (token: string) => [`session=${Buffer.from(JSON.stringify({ jwt: token })).toString('base64')}`];
const currentUserWith = async (token: string) =>
  (await request(app).get('/api/users/currentuser').set('Cookie', cookieWith(token)).expect(200)).body.currentUser;
const claims = { id: 'x', email: 'a@b.c' };
const proper = { issuer: JWT_ISSUER, audience: JWT_AUDIENCE, expiresIn: 60 } as const;

const sessionJwt = (cookies: string[]) => {
  const session = cookies.find((c) => c.startsWith('session='))!.split(';')[0].slice('session='.length);
  return JSON.parse(Buffer.from(session, 'base64').toString()).jwt as string;
};

describe('POST /api/users/signup', () => {
  it('returns 201 with {id, email}, stores a hashed password and sets the session cookie', async () => {
    const res = await signup().expect(201);
    expect(res.body).toEqual({ id: expect.any(String), email: 'test@test.com' });
    const cookie = res.get('Set-Cookie')!;
    expect(cookie[0]).toMatch(/^session=/);
    expect(cookie[0]).toMatch(/httponly/i);
    expect(cookie[0]).toMatch(/samesite=lax/i);
    const stored = await User.findById(res.body.id);
    expect(stored!.password).not.toBe(PASSWORD);
    expect(stored!.password).toMatch(/^[0-9a-f]{128}\.[0-9a-f]{32}$/);
  });

  it('signs a JWT with {id, email} that expires: HS256, a key id, issuer and audience', async () => {
    const res = await signup().expect(201);
    const token = sessionJwt(res.get('Set-Cookie')!);
    const payload = jwt.verify(token, TEST_JWT_KEY, { algorithms: ['HS256'], issuer: JWT_ISSUER, audience: JWT_AUDIENCE }) as jwt.JwtPayload;
    expect(payload).toMatchObject({ id: res.body.id, email: 'test@test.com' });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(jwt.decode(token, { complete: true })!.header).toMatchObject({ alg: 'HS256', kid: new SessionKeys({ JWT_KEY: TEST_JWT_KEY }).signingKid });
  });

  it('rejects an invalid email with a field error', async () => {
    const res = await signup('not-an-email').expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Email must be valid', field: 'email' }] });
  });

  // NIST SP 800-63B: at least 8, at least 64 allowed (here 128), counted in characters, never trimmed.
  // As typed and as hashed (NFKC) alike: seven "½" are 21 characters once normalised, 128 "ﬃ" are 384.
  it.each([['abc'], ['seven77'], ['a'.repeat(129)], ['  ab  '], ['\u{1F600}'.repeat(7)], ['\u00bd'.repeat(7)], ['\ufb03'.repeat(128)]])('rejects the length of %j', async (password) => {
    const res = await signup('test@test.com', password).expect(400);
    expect(res.body).toEqual({
      errors: [{ message: 'Password must be between 8 and 128 characters', field: 'password' }],
    });
  });

  it.each([['password'], ['12345678'], ['Password1'], ['QWERTYUIOP'], ['ticketing'], ['test@test.com']])(
    'rejects the common or guessable password %j',
    async (password) => {
      const res = await signup('test@test.com', password).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Password is too common, choose another', field: 'password' }] });
    },
  );

  it('accepts 8 characters, 64 and 128, spaces and emoji, with no composition rules, and keeps them exactly', async () => {
    for (const [i, password] of ['tram9lup', 'x'.repeat(64), 'y'.repeat(128), ' lead and trail ', '\u{1F600}'.repeat(8)].entries()) {
      await signup(`p${i}@test.com`, password).expect(201);
      // Signing in with the trimmed or truncated form fails: the password was stored as typed.
      if (password !== password.trim()) {
        await request(app).post('/api/users/signin').send({ email: `p${i}@test.com`, password: password.trim() }).expect(400);
      }
      await request(app).post('/api/users/signin').send({ email: `p${i}@test.com`, password }).expect(200);
    }
    await request(app).post('/api/users/signin').send({ email: 'p2@test.com', password: 'y'.repeat(72) }).expect(400);
  });

  it('compares passwords in their NFKC form (NIST 800-63B): a composed or decomposed letter, full-width digits', async () => {
    const composed = 'caf\u00e9 au lait 12';
    const decomposed = 'cafe\u0301 au lait 12';
    const fullWidth = 'caf\u00e9 au lait \uff11\uff12';
    expect(composed).not.toBe(decomposed);
    await signup('nfkc@test.com', decomposed).expect(201);
    for (const typed of [composed, decomposed, fullWidth]) {
      await request(app).post('/api/users/signin').send({ email: 'nfkc@test.com', password: typed }).expect(200);
    }
    await request(app).post('/api/users/signin').send({ email: 'nfkc@test.com', password: 'cafe au lait 12' }).expect(400);
    // Length and the common-password list see the same form: 8 full-width letters are 8 characters, a full-width "password" is common.
    await signup('nfkc2@test.com', '\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44').expect(400, {
      errors: [{ message: 'Password is too common, choose another', field: 'password' }],
    });
  });

  it('still accepts a password hashed as typed before normalisation', async () => {
    const typed = 'cafe\u0301 au lait 34';
    const legacy = await Password.toHash(typed.normalize('NFKC'));
    // A stored hash of the raw (decomposed) form, as written before NFKC: built with the same scrypt parameters.
    const [, salt] = legacy.split('.');
    const raw = (await promisify(scrypt)(typed, salt, 64)) as Buffer;
    await User.collection.insertOne({ email: 'legacy@test.com', password: `${raw.toString('hex')}.${salt}` });
    await request(app).post('/api/users/signin').send({ email: 'legacy@test.com', password: typed }).expect(200);
  });

  it('reports every failing field when both are missing', async () => {
    const res = await request(app).post('/api/users/signup').send({}).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password']);
  });

  it('rejects a second signup with the same email, in any letter case', async () => {
    await signup().expect(201);
    const res = await signup('TEST@test.com').expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Email in use' }] });
  });

  it('gives exactly one 201 to concurrent signups with one email', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => signup('race@test.com')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 400, 400, 400, 400, 400, 400, 400]);
    expect(await User.countDocuments({ email: 'race@test.com' })).toBe(1);
  });

  it('answers malformed JSON with 400 in the error shape', async () => {
    const res = await request(app)
      .post('/api/users/signup')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Request body is not valid JSON' }] });
  });
});

describe('user:created', () => {
  it('is staged once by a signup, with the new user\'s id and email as stored', async () => {
    const { app: service, published } = testService(redis);
    const res = await request(service).post('/api/users/signup').send({ email: 'New.Fan@Example.com', password: PASSWORD }).expect(201);
    expect(await published(Subjects.UserCreated)).toEqual([{ id: res.body.id, email: 'new.fan@example.com' }]);
    // Published: nothing is left staged on the user.
    expect(await User.countDocuments({ outboxPending: true })).toBe(0);
  });

  it('is never staged for a refused signup: bad email, weak password, an email in use, the losers of a race', async () => {
    const { app: service, published } = testService(redis);
    const signupTo = (email: string, password = PASSWORD) => request(service).post('/api/users/signup').send({ email, password });
    await signupTo('not-an-email').expect(400);
    await signupTo('weak@test.com', 'password').expect(400);
    expect(await published(Subjects.UserCreated)).toEqual([]);

    const first = await signupTo('taken@test.com').expect(201);
    await signupTo('TAKEN@test.com').expect(400);
    const race = await Promise.all(Array.from({ length: 6 }, () => signupTo('race@test.com')));
    const winner = race.find((r) => r.status === 201)!;
    expect(race.filter((r) => r.status === 201)).toHaveLength(1);
    // Two records: the relay keeps order within one record only.
    expect((await published(Subjects.UserCreated)).sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { id: winner.body.id, email: 'race@test.com' },
      { id: first.body.id, email: 'taken@test.com' },
    ]);
  });
});

describe('POST /api/users/signin', () => {
  beforeEach(async () => {
    await signup();
  });

  it('returns 200 with the user and a session cookie', async () => {
    const res = await request(app)
      .post('/api/users/signin')
      .send({ email: 'test@test.com', password: PASSWORD })
      .expect(200);
    expect(res.body).toEqual({ id: expect.any(String), email: 'test@test.com' });
    expect(res.get('Set-Cookie')![0]).toMatch(/^session=/);
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const unknown = await request(app).post('/api/users/signin').send({ email: 'nobody@test.com', password: PASSWORD });
    const wrong = await request(app).post('/api/users/signin').send({ email: 'test@test.com', password: 'wrong!' });
    expect(unknown.status).toBe(400);
    expect(wrong.status).toBe(400);
    expect(unknown.body).toEqual({ errors: [{ message: 'Invalid credentials' }] });
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.get('Set-Cookie')).toBeUndefined();
  });

  it('requires a valid email and a password', async () => {
    const res = await request(app).post('/api/users/signin').send({ email: 'x', password: '' }).expect(400);
    expect(res.body.errors).toEqual([
      { message: 'Email must be valid', field: 'email' },
      { message: 'You must supply a password', field: 'password' },
    ]);
  });
});

describe('POST /api/users/signout', () => {
  it('clears the session', async () => {
    const cookie = (await signup()).get('Set-Cookie')!;
    const res = await request(app).post('/api/users/signout').set('Cookie', cookie).send({}).expect(200);
    expect(res.body).toEqual({});
    expect(res.get('Set-Cookie')![0]).toMatch(/^session=;.*expires=Thu, 01 Jan 1970/i);
  });
});

describe('GET /api/users/currentuser', () => {
  it('returns the signed-in user', async () => {
    const cookie = (await signup()).get('Set-Cookie')!;
    const res = await request(app).get('/api/users/currentuser').set('Cookie', cookie).expect(200);
    expect(res.body).toEqual({
      currentUser: { id: expect.any(String), email: 'test@test.com', iat: expect.any(Number) },
    });
  });

  it('returns null when signed out', async () => {
    const res = await request(app).get('/api/users/currentuser').expect(200);
    expect(res.body).toEqual({ currentUser: null });
  });

  it('accepts a token of the right key, algorithm, issuer and audience (the control for the cases below)', async () => {
    expect(await currentUserWith(jwt.sign(claims, TEST_JWT_KEY, proper))).toMatchObject(claims);
  });

  it('returns null for an expired token', async () => {
    expect(await currentUserWith(jwt.sign(claims, TEST_JWT_KEY, { ...proper, expiresIn: -10 }))).toBeNull();
  });

  it('returns null for a token signed with another key', async () => {
    expect(await currentUserWith(jwt.sign(claims, 'not-the-key', proper))).toBeNull();
  });

  it('returns null for another algorithm, even with the right key, and for alg none', async () => {
    expect(await currentUserWith(jwt.sign(claims, TEST_JWT_KEY, { ...proper, algorithm: 'HS512' }))).toBeNull();
    expect(await currentUserWith(jwt.sign(claims, '', { ...proper, algorithm: 'none' } as jwt.SignOptions))).toBeNull();
  });

  it('returns null for a token of another issuer or audience, or with neither', async () => {
    expect(await currentUserWith(jwt.sign(claims, TEST_JWT_KEY, { ...proper, issuer: 'someone-else' }))).toBeNull();
    expect(await currentUserWith(jwt.sign(claims, TEST_JWT_KEY, { ...proper, audience: 'another-app' }))).toBeNull();
    expect(await currentUserWith(jwt.sign(claims, TEST_JWT_KEY, { expiresIn: 60 }))).toBeNull();
  });
});

describe('key rotation (JWT_KEYS)', () => {
  const OLD = 'old-secret';
  const NEW = 'new-secret';

  it('signs with the first key of JWT_KEYS, and the old key still verifies until it is removed', async () => {
    // Before: only JWT_KEY=old. A session issued then:
    const before = testApp(redis, { JWT_KEY: OLD });
    const oldCookie = (await request(before).post('/api/users/signup').send({ email: 'rot@test.com', password: PASSWORD }).expect(201)).get('Set-Cookie')!;

    // Rotating: JWT_KEYS=k2:new first, JWT_KEY still the old one.
    const rotating = testApp(redis, { JWT_KEY: OLD, JWT_KEYS: `k2:${NEW}` });
    const newCookie = (await request(rotating).post('/api/users/signin').send({ email: 'rot@test.com', password: PASSWORD }).expect(200)).get('Set-Cookie')!;
    const header = jwt.decode(sessionJwt(newCookie), { complete: true })!.header;
    expect(header).toMatchObject({ alg: 'HS256', kid: 'k2' });
    jwt.verify(sessionJwt(newCookie), NEW);
    for (const cookie of [oldCookie, newCookie]) {
      const res = await request(rotating).get('/api/users/currentuser').set('Cookie', cookie).expect(200);
      expect(res.body.currentUser).toMatchObject({ email: 'rot@test.com' });
    }

    // Old key removed (JWT_KEY now the new secret too): old sessions end, new ones go on.
    const after = testApp(redis, { JWT_KEY: NEW, JWT_KEYS: `k2:${NEW}` });
    expect((await request(after).get('/api/users/currentuser').set('Cookie', oldCookie).expect(200)).body.currentUser).toBeNull();
    expect((await request(after).get('/api/users/currentuser').set('Cookie', newCookie).expect(200)).body.currentUser).toMatchObject({
      email: 'rot@test.com',
    });
  });

  it('refuses a token naming an unknown key id, or a known id with another key', async () => {
    const rotating = testApp(redis, { JWT_KEY: OLD, JWT_KEYS: `k2:${NEW}` });
    const ask = async (token: string) =>
      (await request(rotating).get('/api/users/currentuser').set('Cookie', cookieWith(token)).expect(200)).body.currentUser;
    expect(await ask(jwt.sign(claims, NEW, { ...proper, keyid: 'k2' }))).toMatchObject(claims);
    expect(await ask(jwt.sign(claims, NEW, { ...proper, keyid: 'k9' }))).toBeNull();
    expect(await ask(jwt.sign(claims, OLD, { ...proper, keyid: 'k2' }))).toBeNull();
  });
});

describe('health and unknown routes', () => {
  it('answers /healthz and /readyz', async () => {
    await request(app).get('/healthz').expect(200);
    await request(app).get('/readyz').expect(200);
  });

  it('answers an unknown route with 404 Not Found', async () => {
    const res = await request(app).get('/api/users/nope').expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});
