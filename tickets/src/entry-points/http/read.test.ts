import request from 'supertest';
import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { buildTicket, createTicket, oneSeat, priced, testService } from '../../test/app';

useTestDatabase();
const { app, bus } = testService();
afterEach(() => {
  bus.connected = true;
});

/** Stores tickets with strictly increasing creation times, oldest first. */
async function ticketsCreatedInOrder(titles: string[], extra: Partial<{ userId: string }> = {}) {
  const base = Date.now() - titles.length * 1000;
  const docs = titles.map((title, i) => ({
    title,
    ...priced(i + 1),
    userId: extra.userId ?? newId(),
    createdAt: new Date(base + i * 1000),
  }));
  const stored = await Ticket.insertMany(docs);
  return stored.map((d) => d.id as string);
}

const list = (query = '') => request(app).get(`/api/tickets${query}`);
const titles = (body: Array<{ title: string }>) => body.map((t) => t.title);

describe('GET /api/tickets', () => {
  it('answers 200 [] when there are no tickets, without a session', async () => {
    const res = await list().expect(200);
    expect(res.body).toEqual([]);
  });

  it('lists available tickets newest first, in the ticket shape (no status)', async () => {
    const { ticket: first } = await createTicket(app, { title: 'First', price: 10 });
    const { ticket: second } = await createTicket(app, { title: 'Second', price: 12.5 });
    const res = await list().expect(200);
    expect(res.body).toEqual([
      { id: second.id, title: 'Second', price: 12.5, userId: second.userId, version: 0, ...oneSeat(12.5) },
      { id: first.id, title: 'First', price: 10, userId: first.userId, version: 0, ...oneSeat(10) },
    ]);
  });

  it('leaves out reserved and sold tickets', async () => {
    await buildTicket({ title: 'Free' });
    await buildTicket({ title: 'Reserved', orderId: newId() });
    await buildTicket({ title: 'Sold', orderId: newId(), soldAt: new Date() });
    const res = await list().expect(200);
    expect(titles(res.body)).toEqual(['Free']);
  });

  it('keeps the newest-first order for tickets created within one millisecond', async () => {
    const now = new Date();
    await Ticket.insertMany(['a', 'b', 'c'].map((title) => ({ title, ...priced(1), userId: newId(), createdAt: now })));
    const res = await list().expect(200);
    expect(titles(res.body)).toEqual(['c', 'b', 'a']);
  });

  describe('q', () => {
    beforeEach(async () => {
      await ticketsCreatedInOrder(['Rock Concert', 'concert in the park', 'Football', 'A+B (VIP) tickets', 'Price: $5.00', 'a.b']);
    });

    it('matches titles containing the text, whatever the letter case', async () => {
      expect(titles((await list('?q=CONCERT').expect(200)).body)).toEqual(['concert in the park', 'Rock Concert']);
      expect(titles((await list('?q=oTbAl').expect(200)).body)).toEqual(['Football']);
    });

    it('takes the text literally: regular-expression characters match themselves', async () => {
      expect(titles((await list(`?q=${encodeURIComponent('+b (vip)')}`).expect(200)).body)).toEqual(['A+B (VIP) tickets']);
      expect(titles((await list(`?q=${encodeURIComponent('$5.00')}`).expect(200)).body)).toEqual(['Price: $5.00']);
      expect(titles((await list(`?q=${encodeURIComponent('a.b')}`).expect(200)).body)).toEqual(['a.b']);
      expect((await list(`?q=${encodeURIComponent('.*')}`).expect(200)).body).toEqual([]);
      expect((await list(`?q=${encodeURIComponent('^Rock')}`).expect(200)).body).toEqual([]);
      expect((await list(`?q=${encodeURIComponent('[a-z]')}`).expect(200)).body).toEqual([]);
      expect((await list(`?q=${encodeURIComponent('\\')}`).expect(200)).body).toEqual([]);
    });

    it('trims the text, and an empty q lists everything', async () => {
      expect(titles((await list('?q=%20%20football%20').expect(200)).body)).toEqual(['Football']);
      expect((await list('?q=').expect(200)).body).toHaveLength(6);
    });

    it('accepts up to 200 characters', async () => {
      expect((await list(`?q=${'x'.repeat(200)}`).expect(200)).body).toEqual([]);
    });

    it('returns [] when nothing matches', async () => {
      expect((await list('?q=opera').expect(200)).body).toEqual([]);
    });

    it('only searches available tickets', async () => {
      await buildTicket({ title: 'Reserved concert', orderId: newId() });
      expect(titles((await list('?q=concert').expect(200)).body)).toEqual(['concert in the park', 'Rock Concert']);
    });
  });

  describe('limit and offset', () => {
    let ids: string[];
    beforeEach(async () => {
      ids = (await ticketsCreatedInOrder(['t0', 't1', 't2', 't3', 't4'])).reverse(); // newest first
    });

    it('pages through the newest-first list', async () => {
      const page = async (q: string) => (await list(q).expect(200)).body.map((t: { id: string }) => t.id);
      expect(await page('?limit=2')).toEqual(ids.slice(0, 2));
      expect(await page('?limit=2&offset=2')).toEqual(ids.slice(2, 4));
      expect(await page('?limit=2&offset=4')).toEqual(ids.slice(4));
      expect(await page('?offset=5')).toEqual([]);
      expect(await page('?offset=0&limit=100')).toEqual(ids);
      expect(await page(`?offset=${Number.MAX_SAFE_INTEGER}`)).toEqual([]);
    });

    it('combines with q', async () => {
      expect(titles((await list('?q=t&limit=1&offset=1').expect(200)).body)).toEqual(['t3']);
    });
  });

  it('returns 50 tickets by default and at most 100', async () => {
    await Ticket.insertMany(Array.from({ length: 105 }, (_, i) => ({ title: `t${i}`, ...priced(1), userId: newId() })));
    expect((await list().expect(200)).body).toHaveLength(50);
    expect((await list('?limit=100').expect(200)).body).toHaveLength(100);
  });

  it.each([
    ['?limit=0', 'limit', 'Limit must be an integer between 1 and 100'],
    ['?limit=101', 'limit', 'Limit must be an integer between 1 and 100'],
    ['?limit=-1', 'limit', 'Limit must be an integer between 1 and 100'],
    ['?limit=abc', 'limit', 'Limit must be an integer between 1 and 100'],
    ['?limit=1.5', 'limit', 'Limit must be an integer between 1 and 100'],
    ['?limit=', 'limit', 'Limit must be an integer between 1 and 100'],
    ['?limit=1&limit=2', 'limit', 'Limit must be an integer between 1 and 100'],
    ['?offset=-1', 'offset', 'Offset must be a non-negative integer'],
    ['?offset=x', 'offset', 'Offset must be a non-negative integer'],
    ['?offset=1.5', 'offset', 'Offset must be a non-negative integer'],
    ['?offset=99999999999999999999999', 'offset', 'Offset must be a non-negative integer'],
    ['?q=a&q=b', 'q', 'q must be text of at most 200 characters'],
    ['?q[$ne]=x', 'q', 'q must be text of at most 200 characters'],
    [`?q=${'x'.repeat(201)}`, 'q', 'q must be text of at most 200 characters'],
  ])('answers 400 with a field error for %s', async (query, field, message) => {
    await buildTicket();
    const res = await list(query).expect(400);
    expect(res.body).toEqual({ errors: [{ message, field }] });
  });

  it('reports every bad query field at once', async () => {
    const res = await list('?limit=0&offset=-1&q=a&q=b').expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['q', 'limit', 'offset']);
  });
});

describe('GET /api/tickets/mine', () => {
  it('answers 401 Not authorized without a session (it is not taken for an id)', async () => {
    const res = await request(app).get('/api/tickets/mine').expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it("lists only the caller's tickets, newest first, each with its status", async () => {
    const userId = newId();
    const available = await buildTicket({ userId, title: 'Available' });
    const reservedBy = newId();
    const reserved = await buildTicket({ userId, title: 'Reserved', orderId: reservedBy });
    const soldBy = newId();
    const sold = await buildTicket({ userId, title: 'Sold', orderId: soldBy, soldAt: new Date() });
    await buildTicket({ title: 'Someone else’s' });

    const res = await request(app).get('/api/tickets/mine').set('Cookie', signin({ id: userId })).expect(200);
    expect(res.body).toEqual([
      { id: sold.id, title: 'Sold', price: 20, userId, version: 0, orderId: soldBy, ...oneSeat(20, 0), held: 0, sold: 1, status: 'sold' },
      { id: reserved.id, title: 'Reserved', price: 20, userId, version: 0, orderId: reservedBy, ...oneSeat(20, 0), held: 1, sold: 0, status: 'reserved' },
      { id: available.id, title: 'Available', price: 20, userId, version: 0, ...oneSeat(20), held: 0, sold: 0, status: 'available' },
    ]);
  });

  it('answers [] to a caller with no tickets', async () => {
    await buildTicket();
    const res = await request(app).get('/api/tickets/mine').set('Cookie', signin()).expect(200);
    expect(res.body).toEqual([]);
  });
});

describe('GET /api/tickets/:id', () => {
  it('answers 200 with the ticket in the contract shape (no status), without a session', async () => {
    const { ticket } = await createTicket(app, { title: 'Concert', price: 20 });
    const res = await request(app).get(`/api/tickets/${ticket.id}`).expect(200);
    expect(res.body).toEqual({ id: ticket.id, title: 'Concert', price: 20, userId: ticket.userId, version: 0, ...oneSeat(20) });
  });

  it('shows a reserved ticket with its orderId, and a sold one, without status', async () => {
    const orderId = newId();
    const reserved = await buildTicket({ orderId });
    expect((await request(app).get(`/api/tickets/${reserved.id}`).expect(200)).body).toEqual({
      id: reserved.id,
      title: 'Concert',
      price: 20,
      userId: reserved.userId,
      version: 0,
      orderId,
      ...oneSeat(20, 0),
    });
    const sold = await buildTicket({ orderId, soldAt: new Date() });
    expect((await request(app).get(`/api/tickets/${sold.id}`).expect(200)).body).toEqual({
      id: sold.id,
      title: 'Concert',
      price: 20,
      userId: sold.userId,
      version: 0,
      orderId,
      ...oneSeat(20, 0),
    });
  });

  it('never shows internals (outbox, timestamps, cancelled orders, holds, sales, counts) nor status', async () => {
    const { ticket } = await createTicket(app);
    const res = await request(app).get(`/api/tickets/${ticket.id}`).expect(200);
    expect(Object.keys(res.body).sort()).toEqual(['allInPrice', 'available', 'fee', 'id', 'price', 'quantity', 'split', 'title', 'userId', 'version']);
  });

  it('answers 404 Not Found for an unknown id', async () => {
    const res = await request(app).get(`/api/tickets/${newId()}`).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });

  it.each([['not-an-id'], ['123'], ['6b01f2a9e4b0a1b2c3d4e5fz']])('answers 404 Not Found for the malformed id %j', async (id) => {
    const res = await request(app).get(`/api/tickets/${id}`).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});

describe('health and unknown routes', () => {
  it('answers /healthz, and /readyz while the database and the bus are up', async () => {
    await request(app).get('/healthz').expect(200);
    const res = await request(app).get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ready', checks: { mongo: true, bus: true, outbox: true } });
  });

  it('answers /readyz 503 while the bus is down', async () => {
    bus.connected = false;
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body).toEqual({ status: 'unavailable', checks: { mongo: true, bus: false, outbox: true } });
  });

  it('answers an unknown route with 404 Not Found, and a method a ticket does not answer with 405 and Allow', async () => {
    const res = await request(app).get('/api/tickets/mine/extra').expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
    const refused = await request(app).delete(`/api/tickets/${newId()}`).set('Cookie', signin()).expect(405);
    expect(refused.body).toEqual({ errors: [{ message: 'Method Not Allowed' }] });
    expect(refused.get('Allow')).toBe('GET, HEAD, PUT');
  });
});
