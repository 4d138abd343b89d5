import request from 'supertest';
import { ListenerMessage, NotYetError, Subjects } from '@ticketing/common';
import mongoose from 'mongoose';
import { listenerOf, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Ticket, TicketDoc } from '../../data/ticket';
import { buildTicket, createTicket, oneSeat, orderCreatedData, testPassKeys, testService, ticketState } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { app, bus, relay, published } = testService();
beforeAll(async () => {
  await listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled);
});
beforeEach(() => bus.clear());
afterEach(() => jest.restoreAllMocks());

describe('OrderCreatedListener (order:created)', () => {
  it('subscribes to order:created in the tickets-service queue group', () => {
    const listener = listenerOf(listenersOf(bus, testPassKeys()), Subjects.OrderCreated);
    expect(listener.subject).toBe('order:created');
    expect(listener.queueGroupName).toBe('tickets-service');
  });

  it('is a "not yet" (short back-off), not a failure, when the ticket changes under it at every attempt', async () => {
    const { ticket } = await createTicket(app);
    // Every save loses the race, as it would while other writers keep changing the ticket.
    const save = jest.spyOn(Ticket.prototype, 'save').mockImplementation(function lose(this: TicketDoc) {
      return Promise.reject(new mongoose.Error.VersionError(this, this.version, ['orderId']));
    });
    const msg: ListenerMessage = { ack: jest.fn(), deliveryCount: 1, eventId: newId(), time: new Date() };
    await expect(listenerOf(listenersOf(bus, testPassKeys()), Subjects.OrderCreated).onMessage(orderCreatedData(ticket), msg)).rejects.toBeInstanceOf(NotYetError);
    expect(save).toHaveBeenCalledTimes(5);
    expect(msg.ack).not.toHaveBeenCalled();
  });

  it('locks the ticket with the order id, bumps the version and acks', async () => {
    const { ticket, cookie } = await createTicket(app);
    const data = orderCreatedData(ticket);
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ orderId: data.id, version: 1, status: 'reserved' });
    // Read back through the API: no longer listed, shown with its orderId (the
    // contract's ticket shape: no status outside /mine), reserved on /mine.
    expect((await request(app).get('/api/tickets').expect(200)).body).toEqual([]);
    expect((await request(app).get(`/api/tickets/${ticket.id}`).expect(200)).body).toEqual({
      id: ticket.id,
      title: ticket.title,
      price: ticket.price,
      userId: ticket.userId,
      orderId: data.id,
      version: 1,
      ...oneSeat(20, 0),
    });
    const mine = await request(app).get('/api/tickets/mine').set('Cookie', cookie).expect(200);
    expect(mine.body).toEqual([expect.objectContaining({ id: ticket.id, orderId: data.id, version: 1, status: 'reserved' })]);
  });

  it('publishes ticket:updated with the orderId and the new version', async () => {
    const { ticket, userId } = await createTicket(app, { title: 'Concert', price: 20 });
    const data = orderCreatedData(ticket);
    await bus.deliver(Subjects.OrderCreated, data);
    expect(await published(Subjects.TicketUpdated)).toEqual([
      { id: ticket.id, version: 1, title: 'Concert', price: 20, userId, orderId: data.id, quantity: 1, split: 'any', fee: 2.5 },
    ]);
  });

  it('leaves the state as after one delivery when the same message comes twice', async () => {
    const { ticket } = await createTicket(app);
    const data = orderCreatedData(ticket);
    const eventId = newId();
    expect(await bus.deliver(Subjects.OrderCreated, data, { id: eventId })).toBe(true);
    await relay.flush();
    const once = await ticketState(ticket.id);
    const publishedOnce = bus.published.length;

    expect(await bus.deliver(Subjects.OrderCreated, data, { id: eventId, deliveryCount: 2 })).toBe(true);
    await relay.flush();
    expect(await ticketState(ticket.id)).toEqual(once);
    expect(bus.published).toHaveLength(publishedOnce);
    expect(bus.publishedData(Subjects.TicketUpdated)).toHaveLength(1);
  });

  it('does not ack while the ticket is held by another order, and locks it once that order is cancelled', async () => {
    const { ticket } = await createTicket(app);
    const first = orderCreatedData(ticket);
    await bus.deliver(Subjects.OrderCreated, first);
    const second = orderCreatedData(ticket);

    // The second order's order:created overtook the first order's order:cancelled.
    expect(await bus.deliver(Subjects.OrderCreated, second)).toBe(false);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ orderId: first.id, version: 1 });

    expect(await bus.deliver(Subjects.OrderCancelled, { id: first.id, version: 1, ticket: { id: ticket.id } })).toBe(true);
    // The redelivery now applies.
    expect(await bus.deliver(Subjects.OrderCreated, second, { deliveryCount: 2 })).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ orderId: second.id, version: 3 });
    expect((await published(Subjects.TicketUpdated)).map((u) => [u.version, u.orderId])).toEqual([
      [1, first.id],
      [2, undefined],
      [3, second.id],
    ]);
  });

  it('acks and ignores an order:created that arrives after its own order:cancelled', async () => {
    const { ticket } = await createTicket(app);
    const data = orderCreatedData(ticket);
    expect(await bus.deliver(Subjects.OrderCancelled, { id: data.id, version: 1, ticket: { id: ticket.id } })).toBe(true);
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    const stored = await Ticket.findById(ticket.id);
    expect(stored!.orderId).toBeUndefined();
    expect(stored!.version).toBe(0);
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('does not ack an order:created for a ticket sold to another order: that sale is voided by its cancel, still on its way', async () => {
    // Orders takes a ticket for a new order only once the previous order is
    // cancelled; a ticket sold here to that previous order means its payment
    // lost the race with the cancel, and the cancel will free it.
    const ticket = await buildTicket({ orderId: newId(), soldAt: new Date() });
    const before = await ticketState(ticket.id);
    expect(await bus.deliver(Subjects.OrderCreated, orderCreatedData({ id: ticket.id as string, price: ticket.price }))).toBe(false);
    expect(await ticketState(ticket.id)).toEqual(before);
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('acks and ignores an order:created for an unknown ticket', async () => {
    expect(await bus.deliver(Subjects.OrderCreated, orderCreatedData({ id: newId(), price: 10 }))).toBe(true);
    expect(await Ticket.countDocuments()).toBe(0);
    expect(bus.published).toEqual([]);
  });

  it('does not lock the ticket when its order:cancelled is recorded between its read and its write', async () => {
    const { ticket } = await createTicket(app);
    await relay.flush();
    bus.clear();
    const created = orderCreatedData(ticket);
    const original = Ticket.findById.bind(Ticket);
    jest.spyOn(Ticket, 'findById').mockImplementationOnce((async (id: unknown) => {
      const stale = (await original(id)) as TicketDoc;
      jest.restoreAllMocks();
      // Not the holder yet: the cancel is only recorded (no version bump).
      expect(await bus.deliver(Subjects.OrderCancelled, { id: created.id, version: 1, ticket: { id: ticket.id } })).toBe(true);
      return stale;
    }) as never);
    expect(await bus.deliver(Subjects.OrderCreated, created)).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ version: 0, status: 'available' });
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('retries when an edit of the ticket lands between its read and its write', async () => {
    const { ticket, cookie } = await createTicket(app, { title: 'Concert', price: 20 });
    const original = Ticket.findById.bind(Ticket);
    jest.spyOn(Ticket, 'findById').mockImplementationOnce((async (id: unknown) => {
      const stale = (await original(id)) as TicketDoc;
      jest.restoreAllMocks(); // the owner's PUT below reads normally
      await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send({ title: 'Edited', price: 25 }).expect(200);
      return stale;
    }) as never);
    const data = orderCreatedData(ticket);
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    // Neither change is lost: the edit is version 1, the lock version 2.
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Edited', price: 25, orderId: data.id, version: 2 });
    expect((await published(Subjects.TicketUpdated)).map((u) => [u.version, u.title, u.orderId])).toEqual([
      [1, 'Edited', undefined],
      [2, 'Edited', data.id],
    ]);
  });
});
