import jwt from 'jsonwebtoken';
import request from 'supertest';
import { TEST_JWT_KEY, useTestDatabase } from '@ticketing/common/testing';
import { User } from '../models/user';
import { testApp } from '../test/app';

useTestDatabase();
const app = testApp();

const signup = (email = 'test@test.com', password = 'password') =>
  request(app).post('/api/users/signup').send({ email, password });

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
    expect(stored!.password).not.toBe('password');
    expect(stored!.password).toMatch(/^[0-9a-f]{128}\.[0-9a-f]{32}$/);
  });

  it('signs a JWT with {id, email} that expires', async () => {
    const res = await signup().expect(201);
    const payload = jwt.verify(sessionJwt(res.get('Set-Cookie')!), TEST_JWT_KEY) as jwt.JwtPayload;
    expect(payload).toMatchObject({ id: res.body.id, email: 'test@test.com' });
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('rejects an invalid email with a field error', async () => {
    const res = await signup('not-an-email').expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Email must be valid', field: 'email' }] });
  });

  it.each([['abc'], ['a'.repeat(21)], ['   ab   ']])('rejects the password %j', async (password) => {
    const res = await signup('test@test.com', password).expect(400);
    expect(res.body).toEqual({
      errors: [{ message: 'Password must be between 4 and 20 characters', field: 'password' }],
    });
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

describe('POST /api/users/signin', () => {
  beforeEach(async () => {
    await signup();
  });

  it('returns 200 with the user and a session cookie', async () => {
    const res = await request(app)
      .post('/api/users/signin')
      .send({ email: 'test@test.com', password: 'password' })
      .expect(200);
    expect(res.body).toEqual({ id: expect.any(String), email: 'test@test.com' });
    expect(res.get('Set-Cookie')![0]).toMatch(/^session=/);
  });

  it('gives the same answer for an unknown email and a wrong password', async () => {
    const unknown = await request(app).post('/api/users/signin').send({ email: 'nobody@test.com', password: 'password' });
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

  it('returns null for an expired token', async () => {
    const token = jwt.sign({ id: 'x', email: 'a@b.c' }, TEST_JWT_KEY, { expiresIn: -10 });
    const session = Buffer.from(JSON.stringify({ jwt: token })).toString('base64');
    const res = await request(app).get('/api/users/currentuser').set('Cookie', [`session=${session}`]).expect(200);
    expect(res.body).toEqual({ currentUser: null });
  });

  it('returns null for a token signed with another key', async () => {
    const token = jwt.sign({ id: 'x', email: 'a@b.c' }, 'not-the-key');
    const session = Buffer.from(JSON.stringify({ jwt: token })).toString('base64');
    const res = await request(app).get('/api/users/currentuser').set('Cookie', [`session=${session}`]).expect(200);
    expect(res.body).toEqual({ currentUser: null });
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
