import request from 'supertest';
import { Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { createOrder, createTicket, holderOf, testApp, testBus, testHolds } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { bus } = testBus();
beforeAll(() => listenTo(listenersOf(bus, testHolds()), Subjects.TicketUpdated));
beforeEach(() => bus.clear());

const updated = (ticket: { id?: unknown; userId: string }, version: number, overrides: Record<string, unknown> = {}) => ({
  id: String(ticket.id),
  version,
  title: `title v${version}`,
  price: 10 + version,
  userId: ticket.userId,
  ...overrides,
});

describe('ticket:updated listener', () => {
  it('applies the next version and acks', async () => {
    const ticket = await createTicket();
    expect(await bus.deliver(Subjects.TicketUpdated, updated(ticket, 1))).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'title v1', price: 11, version: 1 });
    expect(bus.published).toHaveLength(0);
  });

  it('does not ack an event that arrives before the one it follows, and applies it once that one is in', async () => {
    const ticket = await createTicket();
    const v2 = updated(ticket, 2);
    const v2id = newId();
    expect(await bus.deliver(Subjects.TicketUpdated, v2, { id: v2id })).toBe(false);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'concert', version: 0 });

    expect(await bus.deliver(Subjects.TicketUpdated, updated(ticket, 1))).toBe(true);
    // The broker redelivers v2 after the ack wait.
    expect(await bus.deliver(Subjects.TicketUpdated, v2, { id: v2id, deliveryCount: 2 })).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'title v2', price: 12, version: 2 });
  });

  it('does not ack an update for a ticket whose ticket:created has not arrived yet', async () => {
    const id = newId();
    expect(await bus.deliver(Subjects.TicketUpdated, updated({ id, userId: newId() }, 1))).toBe(false);
    expect(await Ticket.findById(id)).toBeNull();
  });

  it('leaves the state as after one delivery when the event comes twice', async () => {
    const ticket = await createTicket();
    const eventId = newId();
    expect(await bus.deliver(Subjects.TicketUpdated, updated(ticket, 1), { id: eventId })).toBe(true);
    expect(await bus.deliver(Subjects.TicketUpdated, updated(ticket, 2))).toBe(true);
    // A late redelivery of v1 is acked and does not roll v2 back.
    expect(await bus.deliver(Subjects.TicketUpdated, updated(ticket, 1), { id: eventId, deliveryCount: 2 })).toBe(true);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'title v2', version: 2 });
    expect(bus.published).toHaveLength(0);
  });

  it("keeps this service's reservation when the event says the ticket is free", async () => {
    // The tickets service has not seen our order:created yet when it publishes this.
    const { order, ticket } = await createOrder();
    expect(await bus.deliver(Subjects.TicketUpdated, updated(ticket, 1))).toBe(true);
    const replica = await Ticket.findById(ticket.id);
    expect(replica!.version).toBe(1);
    expect(await holderOf(ticket.id)).toBe(order.id);

    const res = await request(testApp(bus)).post('/api/orders').set('Cookie', signin()).send({ ticketId: ticket.id });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
  });

  it('lets a new order take a ticket we freed even while the event still names the old order', async () => {
    // The tickets service publishes orderId = the order we have since cancelled.
    const ticket = await createTicket();
    const staleOrderId = newId();
    expect(await bus.deliver(Subjects.TicketUpdated, updated(ticket, 1, { orderId: staleOrderId }))).toBe(true);
    const replica = await Ticket.findById(ticket.id);
    expect(replica!.version).toBe(1);
    expect(await holderOf(ticket.id)).toBeNull();

    await request(testApp(bus)).post('/api/orders').set('Cookie', signin()).send({ ticketId: ticket.id }).expect(201);
  });
});
