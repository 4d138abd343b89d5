import request from 'supertest';
import { Subjects } from '@ticketing/common';
import { listenerOf, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Order } from '../../data/order';
import { Ticket } from '../../data/ticket';
import { createTicket, oneSeat, orderCreatedData, testPassKeys, testService, ticketState } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { app, bus, relay, published, reservedTicket } = testService();
beforeAll(async () => {
  await listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.PaymentCreated);
});
beforeEach(() => bus.clear());

const payment = (orderId: string) => ({ id: newId(), orderId, stripeId: `ch_${newId()}` });


describe('PaymentCreatedListener (payment:created)', () => {
  it('subscribes to payment:created in the tickets-service queue group', () => {
    const listener = listenerOf(listenersOf(bus, testPassKeys()), Subjects.PaymentCreated);
    expect(listener.subject).toBe('payment:created');
    expect(listener.queueGroupName).toBe('tickets-service');
  });

  it('marks the ticket locked by the paid order as sold, bumps the version and acks', async () => {
    const { ticket, orderId, cookie, userId } = await reservedTicket();
    expect(await bus.deliver(Subjects.PaymentCreated, payment(orderId))).toBe(true);
    const stored = await Ticket.findById(ticket.id);
    expect(stored).toMatchObject({ orderId, version: 2, status: 'sold' });
    expect(stored!.soldAt).toBeInstanceOf(Date);
    // Through the API: not listed, sold on /mine, not editable (locked for good:
    // the contract's one message for a locked ticket).
    expect((await request(app).get('/api/tickets').expect(200)).body).toEqual([]);
    const mine = await request(app).get('/api/tickets/mine').set('Cookie', cookie).expect(200);
    expect(mine.body).toEqual([{ id: ticket.id, title: 'Concert', price: 20, userId, version: 2, orderId, ...oneSeat(20, 0), held: 0, sold: 1, status: 'sold' }]);
    const edit = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send({ title: 'x', price: 1 }).expect(400);
    expect(edit.body).toEqual({ errors: [{ message: 'Cannot edit a reserved ticket' }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 2 });
    // Shown without status outside /mine.
    const shown = await request(app).get(`/api/tickets/${ticket.id}`).expect(200);
    expect(shown.body).toEqual({ id: ticket.id, title: 'Concert', price: 20, userId, version: 2, orderId, ...oneSeat(20, 0) });
  });

  it('publishes ticket:updated with the new version and the orderId', async () => {
    const { ticket, orderId, userId } = await reservedTicket();
    await bus.deliver(Subjects.PaymentCreated, payment(orderId));
    expect(await published(Subjects.TicketUpdated)).toEqual([
      { id: ticket.id, version: 2, title: 'Concert', price: 20, userId, orderId, quantity: 1, split: 'any', fee: 2.5 },
    ]);
  });

  it('leaves the state as after one delivery when the same message comes twice', async () => {
    const { ticket, orderId } = await reservedTicket();
    const data = payment(orderId);
    const eventId = newId();
    expect(await bus.deliver(Subjects.PaymentCreated, data, { id: eventId })).toBe(true);
    await relay.flush();
    const once = await ticketState(ticket.id);
    expect(bus.published).toHaveLength(1);

    expect(await bus.deliver(Subjects.PaymentCreated, data, { id: eventId, deliveryCount: 2 })).toBe(true);
    await relay.flush();
    expect(await ticketState(ticket.id)).toEqual(once);
    expect(bus.published).toHaveLength(1);
  });

  it('voids the sale when an order:cancelled for its order arrives afterwards (the payment lost the race and is refunded)', async () => {
    const { ticket, orderId } = await reservedTicket();
    await bus.deliver(Subjects.PaymentCreated, payment(orderId));
    expect(await bus.deliver(Subjects.OrderCancelled, { id: orderId, version: 2, ticket: { id: ticket.id } })).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ version: 3, status: 'available' });
    expect((await published(Subjects.TicketUpdated)).map((u) => u.version)).toEqual([2, 3]);
  });

  it('does not ack before the order has locked the ticket here, and applies on redelivery', async () => {
    const { ticket } = await createTicket(app);
    const order = orderCreatedData(ticket);
    const data = payment(order.id);
    // payment:created overtook order:created.
    expect(await bus.deliver(Subjects.PaymentCreated, data)).toBe(false);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ version: 0, status: 'available' });

    await bus.deliver(Subjects.OrderCreated, order);
    expect(await bus.deliver(Subjects.PaymentCreated, data, { deliveryCount: 2 })).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ orderId: order.id, version: 2, status: 'sold' });
  });

  it('acks and ignores a payment for an order that was cancelled (payments refunds it)', async () => {
    const { ticket, orderId } = await reservedTicket();
    await bus.deliver(Subjects.OrderCancelled, { id: orderId, version: 1, ticket: { id: ticket.id } });
    await relay.flush();
    bus.clear();
    const before = await ticketState(ticket.id);
    expect(await bus.deliver(Subjects.PaymentCreated, payment(orderId))).toBe(true);
    expect(await ticketState(ticket.id)).toEqual(before);
    expect((await Ticket.findById(ticket.id))!.status).toBe('available');
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  describe('finding the ticket of the paid order', () => {
    afterEach(() => jest.restoreAllMocks());
    /** Every ticket read by something other than _id (findById reads through findOne `{_id}`). */
    const readsByFields = (...spies: jest.SpyInstance[]) =>
      spies.flatMap((spy) => spy.mock.calls.map(([filter]) => filter)).filter((filter) => Object.keys(filter ?? {}).some((k) => k !== '_id'));

    it("reads it by _id through the order's record, never by a filter on the tickets", async () => {
      const { ticket, orderId } = await reservedTicket();
      const spies = [jest.spyOn(Ticket, 'findOne'), jest.spyOn(Ticket, 'exists'), jest.spyOn(Ticket, 'find')];
      expect(await bus.deliver(Subjects.PaymentCreated, payment(orderId))).toBe(true);
      expect(await Ticket.findById(ticket.id)).toMatchObject({ orderId, status: 'sold' });
      expect(readsByFields(...spies)).toEqual([]);
    });

    it('knows a cancelled order by _id too', async () => {
      const { ticket, orderId } = await reservedTicket();
      await bus.deliver(Subjects.OrderCancelled, { id: orderId, version: 1, ticket: { id: ticket.id } });
      const spies = [jest.spyOn(Ticket, 'findOne'), jest.spyOn(Ticket, 'exists'), jest.spyOn(Ticket, 'find')];
      expect(await bus.deliver(Subjects.PaymentCreated, payment(orderId))).toBe(true);
      expect((await Ticket.findById(ticket.id))!.status).toBe('available');
      expect(readsByFields(...spies)).toEqual([]);
    });

    it('records the order from order:cancelled alone (a cancel that overtook its order:created)', async () => {
      const { ticket } = await createTicket(app);
      const order = orderCreatedData(ticket);
      await bus.deliver(Subjects.OrderCancelled, { id: order.id, version: 1, ticket: { id: ticket.id } });
      expect(await Order.findById(order.id).lean()).toEqual({ _id: order.id, ticketId: ticket.id });
      expect(await bus.deliver(Subjects.PaymentCreated, payment(order.id))).toBe(true);
      expect(await Ticket.findById(ticket.id)).toMatchObject({ version: 0, status: 'available' });
    });

    it('still finds a ticket locked before orders were recorded (no record of the order), and a cancel recorded then', async () => {
      const locked = await reservedTicket();
      const cancelled = await reservedTicket();
      await bus.deliver(Subjects.OrderCancelled, { id: cancelled.orderId, version: 1, ticket: { id: cancelled.ticket.id } });
      await Order.deleteMany({});
      expect(await bus.deliver(Subjects.PaymentCreated, payment(locked.orderId))).toBe(true);
      expect(await Ticket.findById(locked.ticket.id)).toMatchObject({ orderId: locked.orderId, status: 'sold' });
      expect(await bus.deliver(Subjects.PaymentCreated, payment(cancelled.orderId))).toBe(true);
      expect((await Ticket.findById(cancelled.ticket.id))!.status).toBe('available');
    });
  });
});
