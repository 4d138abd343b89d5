import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import request from 'supertest';
import { Payout, PayoutStatus } from '../../data/payout';
import { SellerAccount } from '../../data/seller-account';
import { accountKeyFor } from '../../domain/payouts';
import { testApp } from '../../test/app';
import { createPayout } from '../../test/payouts';
import { requireStripeMock, testStripe } from '../../test/stripe';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const app = testApp(stripe);
beforeEach(() => http.reset());

const openAccount = (cookie?: string[]) => {
  const req = request(app).post('/api/payouts/account').set('Content-Type', 'application/json');
  if (cookie) req.set('Cookie', cookie);
  return req.send({});
};
const accountCreations = () => http.to('POST', '/v1/accounts');
const links = () => http.to('POST', '/v1/account_links');

describe('GET /api/payouts/account', () => {
  const readAccount = (cookie?: string[]) => {
    const req = request(app).get('/api/payouts/account');
    if (cookie) req.set('Cookie', cookie);
    return req.send();
  };

  it('answers 401 without a session', async () => {
    expect((await readAccount()).status).toBe(401);
  });

  it('answers 404 before the seller sets up payouts, then the account POST made, without calling Stripe', async () => {
    const cookie = signin({ id: newId() });
    const before = await readAccount(cookie);
    expect(before.status).toBe(404);
    expect(before.body).toEqual({ errors: [{ message: 'Not Found' }] });
    const opened = await openAccount(cookie);
    http.reset();
    const after = await readAccount(cookie);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ accountId: opened.body.accountId });
    expect(http.requests).toHaveLength(0);
  });

  it("does not show another seller's account", async () => {
    await openAccount(signin({ id: newId() }));
    expect((await readAccount(signin({ id: newId() }))).status).toBe(404);
  });
});

describe('POST /api/payouts/account', () => {
  it('answers 401 without a session', async () => {
    const res = await openAccount();
    expect(res.status).toBe(401);
    expect(http.requests).toHaveLength(0);
  });

  it('creates an Express account and its onboarding link the first time (201), then answers 200 with the same account', async () => {
    const userId = newId();
    const first = await openAccount(signin({ id: userId }));
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ accountId: expect.stringMatching(/^acct_/), onboardingUrl: expect.stringMatching(/^https:\/\//) });
    expect(accountCreations()).toHaveLength(1);
    expect(Object.fromEntries(accountCreations()[0].params)).toMatchObject({ type: 'express', 'metadata[userId]': userId, 'capabilities[transfers][requested]': 'true' });
    expect(accountCreations()[0].headers['idempotency-key']).toBe(accountKeyFor(userId));
    expect(Object.fromEntries(links()[0].params)).toMatchObject({ account: first.body.accountId, type: 'account_onboarding' });

    const again = await openAccount(signin({ id: userId }));
    expect(again.status).toBe(200);
    expect(again.body.accountId).toBe(first.body.accountId);
    // No second account at Stripe; a fresh link (links are single-use).
    expect(accountCreations()).toHaveLength(1);
    expect(links()).toHaveLength(2);
  });

  it('keeps one account when a seller’s first requests arrive at once', async () => {
    const userId = newId();
    const answers = await Promise.all(Array.from({ length: 5 }, () => openAccount(signin({ id: userId }))));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((r) => r.body.accountId)).size).toBe(1);
    expect(await SellerAccount.countDocuments({ _id: userId })).toBe(1);
    // Every request that reached Stripe carried the seller's one key: Stripe makes one account of them.
    expect(new Set(accountCreations().map((r) => r.headers['idempotency-key']))).toEqual(new Set([accountKeyFor(userId)]));
  });
});

describe('GET /api/payouts', () => {
  it('answers 401 without a session', async () => {
    expect((await request(app).get('/api/payouts')).status).toBe(401);
  });

  it('lists the caller’s payouts as a seller, newest first; a release in flight shows as pending', async () => {
    const sellerId = newId();
    const oldest = await createPayout({ sellerId, amount: 10, status: PayoutStatus.Paid });
    await Payout.updateOne({ _id: oldest._id }, { $set: { transferId: 'tr_paid1' } });
    const older = await createPayout({ sellerId, amount: 20 });
    const newer = await createPayout({ sellerId, amount: 59.97, status: PayoutStatus.Releasing });
    await createPayout(); // someone else's
    const res = await request(app).get('/api/payouts').set('Cookie', signin({ id: sellerId }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { id: newer.id, orderId: newer.orderId, ticketId: newer.ticketId, amount: 59.97, status: 'pending', releaseAt: newer.releaseAt.toISOString() },
      { id: older.id, orderId: older.orderId, ticketId: older.ticketId, amount: 20, status: 'pending', releaseAt: older.releaseAt.toISOString() },
      { id: oldest.id, orderId: oldest.orderId, ticketId: oldest.ticketId, amount: 10, status: 'paid', releaseAt: oldest.releaseAt.toISOString(), transferId: 'tr_paid1' },
    ]);
  });
});
