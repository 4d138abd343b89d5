import request from 'supertest';
import { EventStatus, Subjects } from '@ticketing/common';
import { listenerOf, listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Event } from '../../data/event';
import { Ticket } from '../../data/ticket';
import { eventData, testPassKeys, testService, ticketState } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { app, bus, published } = testService();
beforeAll(async () => {
  await listenTo(listenersOf(bus, testPassKeys()), Subjects.EventCreated, Subjects.EventUpdated, Subjects.EventCancelled);
});
beforeEach(() => bus.clear());

const list = async (eventId: string, body: object = {}) =>
  (await request(app).post('/api/tickets').set('Cookie', signin()).send({ title: 'Gig', price: 25, eventId, ...body }).expect(201)).body as { id: string };

describe('event listeners', () => {
  it('subscribe to event:created, event:updated and event:cancelled in the tickets-service queue group', () => {
    for (const [listener, subject] of [
      [listenerOf(listenersOf(bus, testPassKeys()), Subjects.EventCreated), 'event:created'],
      [listenerOf(listenersOf(bus, testPassKeys()), Subjects.EventUpdated), 'event:updated'],
      [listenerOf(listenersOf(bus, testPassKeys()), Subjects.EventCancelled), 'event:cancelled'],
    ] as const) {
      expect(listener.subject).toBe(subject);
      expect(listener.queueGroupName).toBe('tickets-service');
    }
  });

  it('keep the newest version of each event, whatever order the messages come in', async () => {
    const v0 = eventData();
    const later = new Date(Date.now() + 60 * 24 * 3600 * 1000).toISOString();
    expect(await bus.deliver(Subjects.EventUpdated, { ...v0, version: 1, name: 'Moved', startsAt: later })).toBe(true);
    expect(await bus.deliver(Subjects.EventCreated, v0)).toBe(true);
    expect(await Event.findById(v0.id).lean()).toMatchObject({ version: 1, name: 'Moved', startsAt: new Date(later), status: 'scheduled' });
  });

  it('on event:cancelled, mark every listing of the event cancelled, once, each with a ticket:updated saying so', async () => {
    const event = eventData();
    const other = eventData();
    await bus.deliver(Subjects.EventCreated, event);
    await bus.deliver(Subjects.EventCreated, other);
    const first = await list(event.id, { quantity: 2 });
    const second = await list(event.id);
    const untouched = await list(other.id);
    await published(Subjects.TicketCreated);
    bus.clear();

    const message = { ...event, version: 1, status: EventStatus.Cancelled };
    const eventMessageId = newId();
    expect(await bus.deliver(Subjects.EventCancelled, message, { id: eventMessageId })).toBe(true);
    for (const id of [first.id, second.id]) expect(await Ticket.findById(id)).toMatchObject({ cancelled: true, status: 'cancelled', version: 1 });
    expect(await Ticket.findById(untouched.id)).toMatchObject({ cancelled: false, version: 0 });
    const updates = await published(Subjects.TicketUpdated);
    expect(updates.map((u) => [u.id, u.version, u.cancelled, u.eventId]).sort()).toEqual(
      [
        [first.id, 1, true, event.id],
        [second.id, 1, true, event.id],
      ].sort(),
    );
    expect((await request(app).get('/api/tickets').expect(200)).body.map((t: { id: string }) => t.id)).toEqual([untouched.id]);

    // A redelivery changes nothing and publishes nothing.
    const states = await Promise.all([first.id, second.id].map(ticketState));
    bus.clear();
    expect(await bus.deliver(Subjects.EventCancelled, message, { id: eventMessageId, deliveryCount: 2 })).toBe(true);
    expect(await Promise.all([first.id, second.id].map(ticketState))).toEqual(states);
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
    // Nor does an older message arriving late.
    expect(await bus.deliver(Subjects.EventUpdated, { ...event, version: 0 })).toBe(true);
    expect(await Event.findById(event.id).lean()).toMatchObject({ status: 'cancelled', version: 1 });
  });

  it('marks the rest on a redelivery after a delivery that died half-way', async () => {
    const event = eventData();
    await bus.deliver(Subjects.EventCreated, event);
    const first = await list(event.id);
    const second = await list(event.id);
    const message = { ...event, version: 1, status: EventStatus.Cancelled };
    // The first delivery stores the replica and dies before marking a listing.
    const find = jest.spyOn(Ticket, 'find').mockImplementationOnce(() => {
      throw new Error('connection lost');
    });
    expect(await bus.deliver(Subjects.EventCancelled, message)).toBe(false);
    find.mockRestore();
    expect(await Event.findById(event.id).lean()).toMatchObject({ status: 'cancelled' });
    expect(await bus.deliver(Subjects.EventCancelled, message, { deliveryCount: 2 })).toBe(true);
    for (const id of [first.id, second.id]) expect(await Ticket.findById(id)).toMatchObject({ cancelled: true });
  });

  it('an event:cancelled that overtook event:created still cancels, and new listings of it are refused', async () => {
    const event = eventData();
    expect(await bus.deliver(Subjects.EventCancelled, { ...event, version: 1, status: EventStatus.Cancelled })).toBe(true);
    expect(await bus.deliver(Subjects.EventCreated, event)).toBe(true);
    const res = await request(app).post('/api/tickets').set('Cookie', signin()).send({ title: 'Gig', price: 25, eventId: event.id }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Event is not on sale', field: 'eventId' }] });
  });
});
