import { OrderStatus, orderTotal, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from '../../data/order';
import { Payment } from '../../data/payment';
import { testApp } from '../../test/app';
import { requireStripeMock, testStripe } from '../../test/stripe';
import { listenersOf } from '../listeners';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const app = testApp(stripe);
const bus = new InMemoryBus();
beforeAll(() => listenTo(listenersOf(bus, stripe), Subjects.OrderCreated));
beforeEach(() => {
  http.reset();
  bus.clear();
});

const charges = () => http.to('POST', '/v1/payment_intents');

/** order:created as the orders service publishes it; version 2 adds quantity, fee and total. */
const orderCreated = (userId: string, extra: object) => ({
  id: newId(),
  version: 0,
  status: OrderStatus.Created,
  userId,
  expiresAt: new Date(Date.now() + 15 * 60 * 1000).toISOString(),
  ticket: { id: newId(), price: 25, userId: newId() },
  ...extra,
});

/** Delivers order:created, pays the order as its buyer, and answers the PaymentIntent's amount and the stored payment's. */
async function charged(extra: object): Promise<{ sent: string | null; stored: number | undefined }> {
  const buyer = newId();
  const data = orderCreated(buyer, extra);
  expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
  await request(app).post('/api/payments').set('Cookie', signin({ id: buyer })).send({ token: 'tok_visa', orderId: data.id }).expect(201);
  return { sent: charges()[0].params.get('amount'), stored: (await Payment.findOne({ orderId: data.id }))?.amount };
}

describe('the charge is the order total', () => {
  it('charges quantity × (unit price + fee): 3 × ($25 + $3.00) = $84.00 is 8400 cents', async () => {
    expect(await charged({ quantity: 3, fee: 3, total: orderTotal(3, 25, 3) })).toEqual({ sent: '8400', stored: 8400 });
  });

  it("charges the total the order froze, not the ticket's price times the quantity", async () => {
    // The listing was repriced after the order was made: orders froze $56.00 (2 × ($25 + $3)).
    expect(await charged({ quantity: 2, fee: 3, total: 56 })).toEqual({ sent: '5600', stored: 5600 });
  });

  it('keeps the total in the order replica', async () => {
    const data = orderCreated(newId(), { quantity: 4, fee: 2.5, total: 110 });
    await bus.deliver(Subjects.OrderCreated, data);
    expect(await Order.findById(data.id)).toMatchObject({ price: 25, total: 110 });
  });

  it('charges the ticket price for a version-1 order:created (no total)', async () => {
    expect(await charged({})).toEqual({ sent: '2500', stored: 2500 });
  });
});
