import request from 'supertest';
import { EventStatus, Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Pass, PassStatus } from '../../data/pass';
import { PassKeys } from '../../domain/pass-codes';
import { ADMIN_EMAIL, eventData, orderCreatedData, paidOrder, testPassKeys, testService } from '../../test/app';
import { listenersOf } from '../listeners';

useTestDatabase();
const service = testService();
const { app, bus, published } = service;
beforeAll(() =>
  listenTo(
    listenersOf(bus, testPassKeys()),
    Subjects.OrderCreated,
    Subjects.EventCreated,
    Subjects.EventCancelled,
    Subjects.PaymentRefunded,
    Subjects.UserCreated,
    Subjects.PaymentCreated,
  ),
);
beforeEach(() => bus.clear());

type PassBody = { id: string; code: string; status: string; holderId: string; seat: { section?: string; row?: string; number: number }; orderId: string };

const passesOf = async (cookie: string[], query = '') => (await request(app).get(`/api/passes${query}`).set('Cookie', cookie).expect(200)).body as PassBody[];
const scan = (code: unknown, cookie: string[]) => request(app).post('/api/passes/scan').set('Cookie', cookie).send({ code });
const transfer = (id: string, email: unknown, cookie: string[]) => request(app).post(`/api/passes/${id}/transfer`).set('Cookie', cookie).send({ email });
const friend = async (email = 'friend@example.com') => {
  const id = newId();
  expect(await bus.deliver(Subjects.UserCreated, { id, email })).toBe(true);
  return { id, cookie: signin({ id, email }), email };
};
const errors = (message: string, field?: string) => ({ errors: [{ message, ...(field ? { field } : {}) }] });

describe('GET /api/passes', () => {
  it('gives the buyer of a paid order of N seats N valid passes, seats 1..N with the listing\'s section and row', async () => {
    const order = await paidOrder(service, { quantity: 3 });
    const passes = await passesOf(order.buyerCookie);
    expect(passes).toHaveLength(3);
    expect(passes.map((p) => p.seat)).toEqual([1, 2, 3].map((number) => ({ section: 'A', row: '12', number })));
    for (const pass of passes) {
      expect(pass).toMatchObject({ orderId: order.orderId, ticketId: order.ticketId, eventId: order.eventId, holderId: order.buyerId, status: 'valid', title: 'Summer Tour' });
      expect(pass.code).toMatch(new RegExp(`^${pass.id}\\.[\\w-]{22}\\.[\\w-]{43}$`));
    }
    expect(new Set(passes.map((p) => p.code)).size).toBe(3);
    // Nobody else's, and one order's when asked.
    expect(await passesOf(signin())).toEqual([]);
    expect(await passesOf(order.buyerCookie, `?orderId=${order.orderId}`)).toHaveLength(3);
    expect(await passesOf(order.buyerCookie, `?orderId=${newId()}`)).toEqual([]);
  });

  it('issues once when payment:created comes again', async () => {
    const order = await paidOrder(service, { quantity: 2 });
    const before = await passesOf(order.buyerCookie);
    expect(await bus.deliver(Subjects.PaymentCreated, { id: newId(), orderId: order.orderId, stripeId: 'pi_again' })).toBe(true);
    expect(await passesOf(order.buyerCookie)).toEqual(before);
  });

  it('answers 401 without a session and 400 for a malformed orderId', async () => {
    await request(app).get('/api/passes').expect(401, errors('Not authorized'));
    await request(app).get('/api/passes?orderId=nope').set('Cookie', signin()).expect(400, errors('orderId must be an order id', 'orderId'));
  });
});

describe('POST /api/passes/scan', () => {
  it('admits the first scan by the organizer, then says the pass is used', async () => {
    const order = await paidOrder(service);
    const [pass] = await passesOf(order.buyerCookie);
    const first = await scan(pass.code, order.organizerCookie).expect(200);
    expect(first.body).toEqual({ admitted: true, pass: expect.objectContaining({ id: pass.id, status: 'used' }) });
    await scan(pass.code, order.organizerCookie).expect(409, errors('Pass already used'));
    expect((await passesOf(order.buyerCookie)).find((p) => p.id === pass.id)!.status).toBe('used');
  });

  it('admits for an admin, whatever the event; refuses anyone else with 401 and changes nothing', async () => {
    const order = await paidOrder(service);
    const [one, two] = await passesOf(order.buyerCookie);
    await scan(one.code, order.buyerCookie).expect(401, errors('Not authorized'));
    await scan(one.code, order.sellerCookie).expect(401, errors('Not authorized'));
    await request(app).post('/api/passes/scan').send({ code: one.code }).expect(401, errors('Not authorized'));
    expect((await Pass.findById(one.id))!.status).toBe(PassStatus.Valid);
    await scan(two.code, signin({ email: ADMIN_EMAIL.toUpperCase() })).expect(200);
  });

  it('lets the seller admit a listing that has no event', async () => {
    const order = await paidOrder(service, { withEvent: false });
    const [pass] = await passesOf(order.buyerCookie);
    await scan(pass.code, order.organizerCookie).expect(401);
    await scan(pass.code, order.sellerCookie).expect(200);
  });

  it('says `Invalid pass` for a forged, tampered, unknown or malformed code', async () => {
    const order = await paidOrder(service);
    const [pass] = await passesOf(order.buyerCookie);
    const [id, nonce, signature] = pass.code.split('.');
    const flip = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const forged = new PassKeys({ JWT_KEY: 'someone-else', PASS_KEYS: 'x:attacker-secret' }).sign(id);
    for (const code of [forged, `${id}.${flip(nonce)}.${signature}`, `${id}.${nonce}.${flip(signature)}`, testPassKeys().sign(newId()), 'hello', `${pass.code}x`]) {
      await scan(code, order.organizerCookie).expect(400, errors('Invalid pass', 'code'));
    }
    // A code for the right pass signed by our key, but not the pass's current code: a copy, not the pass.
    await scan(testPassKeys().sign(id), order.organizerCookie).expect(400, errors('Invalid pass', 'code'));
    await scan(undefined, order.organizerCookie).expect(400, errors('Code is required', 'code'));
    await scan(42, order.organizerCookie).expect(400, errors('Code is required', 'code'));
    expect((await Pass.findById(id))!.status).toBe(PassStatus.Valid);
  });

  it('verifies codes signed by a retired key still listed', async () => {
    const order = await paidOrder(service);
    const [pass] = await passesOf(order.buyerCookie);
    const retired = new PassKeys({ JWT_KEY: 'x', PASS_KEYS: 'p1:retired-pass-secret' }).sign(pass.id);
    await Pass.updateOne({ _id: pass.id }, { $set: { code: retired } });
    await scan(retired, order.organizerCookie).expect(200);
  });

  it('says `Pass is void` for a refunded order\'s passes and a cancelled event\'s', async () => {
    const refunded = await paidOrder(service);
    expect(await bus.deliver(Subjects.PaymentRefunded, { id: newId(), orderId: refunded.orderId, stripeRefundId: 're_1', amount: 5600 })).toBe(true);
    for (const pass of await passesOf(refunded.buyerCookie)) {
      expect(pass.status).toBe('void');
      await scan(pass.code, refunded.organizerCookie).expect(409, errors('Pass is void'));
    }
    const cancelled = await paidOrder(service);
    expect(await bus.deliver(Subjects.EventCancelled, { ...cancelled.event, version: 1, status: EventStatus.Cancelled })).toBe(true);
    for (const pass of await passesOf(cancelled.buyerCookie)) {
      expect(pass.status).toBe('void');
      await scan(pass.code, cancelled.organizerCookie).expect(409, errors('Pass is void'));
    }
  });

  it('admits exactly one of 10 concurrent scans of one code', async () => {
    const order = await paidOrder(service);
    const [pass] = await passesOf(order.buyerCookie);
    const answers = await Promise.all(Array.from({ length: 10 }, () => scan(pass.code, order.organizerCookie)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body)).toEqual(Array(9).fill(errors('Pass already used')));
  });
});

describe('POST /api/passes/:id/transfer', () => {
  it('voids the old code at once and gives the recipient a new pass for the seat, which admits; publishes pass:transferred', async () => {
    const order = await paidOrder(service);
    const them = await friend('Friend@Example.com');
    const [pass] = await passesOf(order.buyerCookie);
    const sent = await transfer(pass.id, 'FRIEND@example.com', order.buyerCookie).expect(200);
    const newId_ = (sent.body as { id: string }).id;
    expect(sent.body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/) });
    const [theirs] = await passesOf(them.cookie);
    expect(theirs).toMatchObject({ id: newId_, holderId: them.id, orderId: order.orderId, seat: pass.seat, status: 'valid' });
    expect(theirs.code).not.toBe(pass.code);
    expect((await passesOf(order.buyerCookie)).find((p) => p.id === pass.id)!.status).toBe('void');
    await scan(pass.code, order.organizerCookie).expect(409, errors('Pass is void'));
    await scan(theirs.code, order.organizerCookie).expect(200);
    expect(await published(Subjects.PassTransferred)).toEqual([
      { id: newId_, fromPassId: pass.id, fromUserId: order.buyerId, toUserId: them.id, ticketId: order.ticketId, orderId: order.orderId, eventId: order.eventId },
    ]);
  });

  it('refuses a bad email, an unknown user, yourself, and a pass that is not valid', async () => {
    const order = await paidOrder(service);
    const them = await friend();
    const [one, two] = await passesOf(order.buyerCookie);
    await transfer(one.id, 'not-an-email', order.buyerCookie).expect(400, errors('Email must be valid', 'email'));
    await transfer(one.id, undefined, order.buyerCookie).expect(400, errors('Email must be valid', 'email'));
    await transfer(one.id, 'nobody@example.com', order.buyerCookie).expect(400, errors('No user with that email', 'email'));
    expect(await bus.deliver(Subjects.UserCreated, { id: order.buyerId, email: 'buyer@example.com' })).toBe(true);
    await transfer(one.id, 'buyer@example.com', order.buyerCookie).expect(400, errors('Cannot transfer to yourself', 'email'));
    await scan(two.code, order.organizerCookie).expect(200);
    await transfer(two.id, them.email, order.buyerCookie).expect(400, errors('Pass is not valid'));
    await transfer(one.id, them.email, order.buyerCookie).expect(200);
    await transfer(one.id, them.email, order.buyerCookie).expect(400, errors('Pass is not valid'));
  });

  it('answers 404 for an unknown or malformed pass and 401 for anyone but the holder', async () => {
    const order = await paidOrder(service);
    const them = await friend();
    const [pass] = await passesOf(order.buyerCookie);
    await transfer(newId(), them.email, order.buyerCookie).expect(404, errors('Not Found'));
    await transfer('nope', them.email, order.buyerCookie).expect(404, errors('Not Found'));
    await transfer(pass.id, them.email, them.cookie).expect(401, errors('Not authorized'));
    await request(app).post(`/api/passes/${pass.id}/transfer`).send({ email: them.email }).expect(401, errors('Not authorized'));
    expect((await Pass.findById(pass.id))!.status).toBe(PassStatus.Valid);
  });

  it('lets exactly one of 5 concurrent transfers of one pass succeed', async () => {
    const order = await paidOrder(service);
    const friends = await Promise.all([1, 2, 3, 4, 5].map((n) => friend(`friend${n}@example.com`)));
    const [pass] = await passesOf(order.buyerCookie);
    const answers = await Promise.all(friends.map((f) => transfer(pass.id, f.email, order.buyerCookie)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body)).toEqual(Array(4).fill(errors('Pass is not valid')));
    const received = (await Promise.all(friends.map((f) => passesOf(f.cookie)))).flat();
    expect(received).toHaveLength(1);
    expect(await Pass.countDocuments({ orderId: order.orderId, 'seat.number': pass.seat.number, status: 'valid' })).toBe(1);
  });

  it('issues void passes for a payment that lands after its event was cancelled', async () => {
    const organizerId = newId();
    const event = eventData({ organizerId });
    expect(await bus.deliver(Subjects.EventCreated, event)).toBe(true);
    const listing = await request(app).post('/api/tickets').set('Cookie', signin()).send({ title: 'Late', price: 25, quantity: 2, eventId: event.id }).expect(201);
    const buyerId = newId();
    const order = { ...orderCreatedData(listing.body), userId: buyerId, quantity: 2 };
    expect(await bus.deliver(Subjects.OrderCreated, order)).toBe(true);
    expect(await bus.deliver(Subjects.EventCancelled, { ...event, version: 1, status: EventStatus.Cancelled })).toBe(true);
    expect(await bus.deliver(Subjects.PaymentCreated, { id: newId(), orderId: order.id, stripeId: 'pi_late' })).toBe(true);
    const passes = await passesOf(signin({ id: buyerId }));
    expect(passes.map((p) => p.status)).toEqual(['void', 'void']);
  });

  it('voids a transferred pass too when its order is refunded', async () => {
    const order = await paidOrder(service);
    const them = await friend();
    const [pass] = await passesOf(order.buyerCookie);
    await transfer(pass.id, them.email, order.buyerCookie).expect(200);
    expect(await bus.deliver(Subjects.PaymentRefunded, { id: newId(), orderId: order.orderId, stripeRefundId: 're_2', amount: 5600 })).toBe(true);
    expect((await passesOf(them.cookie)).map((p) => p.status)).toEqual(['void']);
  });
});
