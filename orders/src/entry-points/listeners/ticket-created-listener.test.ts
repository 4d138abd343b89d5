import { Subjects } from '@ticketing/common';
import { listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { holderOf, testBus, testHolds } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { bus } = testBus();
beforeAll(async () => {
  await listenTo(listenersOf(bus, testHolds()), Subjects.TicketCreated, Subjects.TicketUpdated);
});
beforeEach(() => bus.clear());

const created = (overrides = {}) => ({ id: newId(), version: 0, title: 'concert', price: 20, userId: newId(), ...overrides });

describe('ticket:created listener', () => {
  it('adds the ticket to the replica, free, and acks', async () => {
    const data = created({ price: 12.34 });
    expect(await bus.deliver(Subjects.TicketCreated, data)).toBe(true);
    const ticket = await Ticket.findById(data.id);
    expect(ticket).toMatchObject({ title: 'concert', price: 12.34, userId: data.userId, version: 0, quantity: 1, available: 1, holds: [], sales: [] });
    expect(bus.published).toHaveLength(0);
  });

  it('leaves the state as after one delivery when the event comes twice', async () => {
    const data = created();
    const eventId = newId();
    expect(await bus.deliver(Subjects.TicketCreated, data, { id: eventId })).toBe(true);
    expect(await bus.deliver(Subjects.TicketCreated, data, { id: eventId, deliveryCount: 2 })).toBe(true);
    expect(await Ticket.countDocuments({ _id: data.id })).toBe(1);
    expect((await Ticket.findById(data.id))!.version).toBe(0);
    expect(bus.published).toHaveLength(0);
  });

  it('does not roll back a replica that updates already moved on, nor its reservation', async () => {
    const data = created();
    await bus.deliver(Subjects.TicketCreated, data);
    await bus.deliver(Subjects.TicketUpdated, { ...data, version: 1, title: 'renamed' });
    const orderId = newId();
    await Ticket.updateOne({ _id: data.id }, { $inc: { available: -1 }, $push: { holds: { orderId, quantity: 1, takenAt: new Date() } } });

    expect(await bus.deliver(Subjects.TicketCreated, data, { deliveryCount: 2 })).toBe(true);
    const ticket = await Ticket.findById(data.id);
    expect(ticket).toMatchObject({ title: 'renamed', version: 1 });
    expect(await holderOf(data.id)).toBe(orderId);
    expect(ticket!.available).toBe(0);
  });
});
