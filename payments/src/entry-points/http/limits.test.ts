import { newId, recordAuditEvents, signin, useTestDatabase } from '@ticketing/common/testing';
import request from 'supertest';
import { testApp } from '../../test/app';
import { createOrder } from '../../test/orders';
import { cardDeclined, requireStripeMock, testStripe } from '../../test/stripe';

// The per-user limit on POST /api/payments (real Redis) and the payment audit trail.

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
beforeEach(() => http.reset());

describe('POST /api/payments per user per minute', () => {
  it('answers 429 with Retry-After past PAYMENTS_PER_USER_PER_MINUTE, counting concurrent requests, per user', async () => {
    const app = testApp(stripe, undefined, { PAYMENTS_PER_USER_PER_MINUTE: 3 });
    const me = signin({ id: newId() });
    // Unknown orders: each counted request is a 404 after the replica wait.
    const results = await Promise.all(
      Array.from({ length: 7 }, () => request(app).post('/api/payments').set('Cookie', me).send({ token: 'tok_visa', orderId: newId() })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([404, 404, 404, 429, 429, 429, 429]);
    const refused = results.find((r) => r.status === 429)!;
    expect(Number(refused.get('Retry-After'))).toBeGreaterThan(0);
    expect(refused.body).toEqual({ errors: [{ message: expect.stringMatching(/^Too many requests, try again in \d+ seconds?$/) }] });
    await request(app).post('/api/payments').set('Cookie', signin({ id: newId() })).send({ token: 'tok_visa', orderId: newId() }).expect(404);
  });

  it('lets the default limit through for ordinary use (a decline, then a second card)', async () => {
    const app = testApp(stripe);
    const userId = newId();
    const order = await createOrder({ userId });
    http.answer('POST', '/v1/payment_intents', 402, cardDeclined());
    await request(app).post('/api/payments').set('Cookie', signin({ id: userId })).send({ token: 'tok_chargeDeclined', orderId: order.id }).expect(402);
    await request(app).post('/api/payments').set('Cookie', signin({ id: userId })).send({ token: 'tok_visa', orderId: order.id }).expect(201);
  });
});

describe('audit trail', () => {
  it('logs a decline and a charge with the user id, order id and request id, never the token', async () => {
    const audit = recordAuditEvents();
    const seen = audit.records;
    try {
      const app = testApp(stripe);
      const userId = newId();
      const order = await createOrder({ userId });
      http.answer('POST', '/v1/payment_intents', 402, cardDeclined());
      const declined = await request(app).post('/api/payments').set('Cookie', signin({ id: userId })).send({ token: 'tok_secret_declined', orderId: order.id });
      const paid = await request(app).post('/api/payments').set('Cookie', signin({ id: userId })).send({ token: 'tok_secret_visa', orderId: order.id });
      expect([declined.status, paid.status]).toEqual([402, 201]);
      await new Promise((r) => setImmediate(r)); // 'finish' has fired
      expect(seen).toEqual([
        { fields: { audit: 'payment.declined', userId, orderId: order.id }, requestId: declined.get('x-request-id') },
        { fields: { audit: 'payment.charged', userId, orderId: order.id }, requestId: paid.get('x-request-id') },
      ]);
      expect(JSON.stringify(seen)).not.toMatch(/tok_secret/);
    } finally {
      audit.restore();
    }
  });
});
