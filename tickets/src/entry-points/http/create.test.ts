import request from 'supertest';
import { Subjects } from '@ticketing/common';
import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { testService } from '../../test/app';

useTestDatabase();
const { app, bus, published } = testService();
beforeEach(() => bus.clear());

const post = (body: unknown, cookie: string[] | null = signin()) => {
  const req = request(app).post('/api/tickets');
  if (cookie) req.set('Cookie', cookie);
  return req.send(body as object);
};

describe('POST /api/tickets', () => {
  it('answers 401 Not authorized without a session, and stores nothing', async () => {
    const res = await post({ title: 'Concert', price: 20 }, null).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it('answers 401 for a session signed with another key', async () => {
    await post({ title: 'Concert', price: 20 }, signin({}, 'not-the-key')).expect(401);
  });

  it('creates the ticket for the caller: 201 with the ticket (contract shape, no status), version 0, one seat, split any, stored', async () => {
    const userId = newId();
    const res = await post({ title: 'Concert', price: 20 }, signin({ id: userId })).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      title: 'Concert',
      price: 20,
      userId,
      version: 0,
      quantity: 1,
      available: 1,
      split: 'any',
      fee: 2.5,
      allInPrice: 22.5,
    });
    const stored = await Ticket.findById(res.body.id);
    expect(stored).toMatchObject({ title: 'Concert', price: 20, userId, version: 0 });
    expect(stored!.orderId).toBeUndefined();
    // Read back through the API too.
    const shown = await request(app).get(`/api/tickets/${res.body.id}`).expect(200);
    expect(shown.body).toEqual(res.body);
  });

  it('publishes ticket:created with {id, version, title, price, userId} and version 2\'s quantity, split and fee', async () => {
    const userId = newId();
    const res = await post({ title: 'Concert', price: 20.5 }, signin({ id: userId })).expect(201);
    expect(await published(Subjects.TicketCreated)).toEqual([
      { id: res.body.id, version: 0, title: 'Concert', price: 20.5, userId, quantity: 1, split: 'any', fee: 2.55 },
    ]);
    expect(bus.published).toHaveLength(1);
    // Published and then removed from the outbox.
    expect((await Ticket.findById(res.body.id))!.outbox).toHaveLength(0);
  });

  it('carries the request id on the published event', async () => {
    await post({ title: 'Concert', price: 20 }).set('x-request-id', 'req-create-1').expect(201);
    await published(Subjects.TicketCreated);
    expect(bus.published[0]).toMatchObject({ subject: Subjects.TicketCreated, requestId: 'req-create-1' });
  });

  it('stores the ticket:created event with the write, before anything is published', async () => {
    const res = await post({ title: 'Concert', price: 20 }).expect(201);
    const stored = await Ticket.findById(res.body.id);
    expect(stored!.outbox).toEqual([
      expect.objectContaining({ subject: Subjects.TicketCreated, data: expect.objectContaining({ id: res.body.id }) }),
    ]);
    expect(bus.published).toHaveLength(0);
  });

  it('trims the title', async () => {
    const res = await post({ title: '  Concert  ', price: 20 }).expect(201);
    expect(res.body.title).toBe('Concert');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['blank', '   '],
    ['a number', 42],
    ['null', null],
    ['an array', ['Concert']],
  ])('rejects a title that is %s: 400 Title is required', async (_case, title) => {
    const res = await post({ title, price: 20 }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Title is required', field: 'title' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each([
    ['missing', undefined],
    ['zero', 0],
    ['"0.00"', '0.00'],
    ['negative', -10],
    ['"-10"', '-10'],
    ['three decimals', 10.123],
    ['"10.123"', '10.123'],
    ['not a number', 'abc'],
    ['empty', ''],
    ['an exponent', '1e3'],
    ['null', null],
    ['a boolean', true],
    ['an array', [10]],
    ['an object', { amount: 10 }],
  ])('rejects a price that is %s: 400 Price must be greater than 0', async (_case, price) => {
    const res = await post({ title: 'Concert', price }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Price must be greater than 0', field: 'price' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each([
    [0.01, 0.01],
    [10, 10],
    [10.5, 10.5],
    [10.55, 10.55],
    [999999, 999999],
    [999999.99, 999999.99],
    ['999999.99', 999999.99],
    ['15.99', 15.99],
    [' 20 ', 20],
  ])('accepts the price %j as %j dollars', async (price, expected) => {
    const res = await post({ title: 'Concert', price }).expect(201);
    expect(res.body.price).toBe(expected);
    expect((await Ticket.findById(res.body.id))!.price).toBe(expected);
  });

  it.each([
    ['1e14', 1e14],
    ['1000000', 1000000],
    ['"1000000"', '1000000'],
    ['1000000.5', 1000000.5],
    ['"1000000.00"', '1000000.00'],
    ['1234567.89', 1234567.89],
    ['1e21 (no two-decimal form)', 1e21],
    ['Number.MAX_VALUE', Number.MAX_VALUE],
  ])('rejects the price %s: 400 Price must be at most 999999.99 (above Stripe\'s largest charge)', async (_case, price) => {
    const res = await post({ title: 'Concert', price }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Price must be at most 999999.99', field: 'price' }] });
    expect(await Ticket.countDocuments()).toBe(0);
    expect(await published(Subjects.TicketCreated)).toEqual([]);
  });

  it('keeps Price must be greater than 0 for a too-precise price above the bound', async () => {
    const res = await post({ title: 'Concert', price: '1000000.001' }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Price must be greater than 0', field: 'price' }] });
  });

  it('reports a too-high price beside a title error', async () => {
    const res = await post({ title: '', price: 1e14 }).expect(400);
    expect(res.body).toEqual({
      errors: [
        { message: 'Title is required', field: 'title' },
        { message: 'Price must be at most 999999.99', field: 'price' },
      ],
    });
  });

  it('reports every failing field', async () => {
    const res = await post({}).expect(400);
    expect(res.body).toEqual({
      errors: [
        { message: 'Title is required', field: 'title' },
        { message: 'Price must be greater than 0', field: 'price' },
      ],
    });
  });

  it('ignores fields the caller may not set (userId, version, orderId)', async () => {
    const userId = newId();
    const res = await post(
      { title: 'Concert', price: 20, userId: newId(), version: 7, orderId: newId() },
      signin({ id: userId }),
    ).expect(201);
    expect(res.body).toEqual({ id: expect.any(String), title: 'Concert', price: 20, userId, version: 0, quantity: 1, available: 1, split: 'any', fee: 2.5, allInPrice: 22.5 });
  });

  it('answers malformed JSON with 400 in the error shape', async () => {
    const res = await request(app)
      .post('/api/tickets')
      .set('Cookie', signin())
      .set('Content-Type', 'application/json')
      .send('{"title": ')
      .expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Request body is not valid JSON' }] });
  });

  it('publishes nothing for a rejected request', async () => {
    await post({ title: '', price: 20 }).expect(400);
    await post({ title: 'Concert', price: 20 }, null).expect(401);
    expect(await published(Subjects.TicketCreated)).toEqual([]);
  });
});
