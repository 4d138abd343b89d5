import mongoose from 'mongoose';
import { EventCategory, EventStatus } from '../events/subjects';
import { useTestDatabase } from '../testing';
import { applyEventToReplica, eventReplicaSchema, eventSaleState } from './event-replica';

useTestDatabase();

const EventReplica = mongoose.model('EventReplicaTest', eventReplicaSchema());

const message = (version: number, overrides: Partial<{ status: EventStatus; startsAt: string }> = {}) => ({
  id: '64b000000000000000000001',
  version,
  name: `Gig v${version}`,
  venue: 'Hall',
  city: 'Oslo',
  startsAt: overrides.startsAt ?? '2031-01-01T20:00:00.000Z',
  category: EventCategory.Concert,
  status: overrides.status ?? EventStatus.Scheduled,
  organizerId: 'organizer',
});

describe('applyEventToReplica', () => {
  it('keeps the newest version whatever order the messages arrive in, and ignores redeliveries', async () => {
    await applyEventToReplica(EventReplica, message(2, { status: EventStatus.Cancelled }));
    await applyEventToReplica(EventReplica, message(0));
    await applyEventToReplica(EventReplica, message(1));
    await applyEventToReplica(EventReplica, message(2, { status: EventStatus.Cancelled }));
    const stored = await EventReplica.findById(message(0).id).lean();
    expect(stored).toMatchObject({ version: 2, name: 'Gig v2', status: EventStatus.Cancelled });
  });

  it('converges on the newest when deliveries race', async () => {
    await Promise.all([3, 0, 2, 1, 3, 0].map((v) => applyEventToReplica(EventReplica, message(v))));
    const stored = await EventReplica.findById(message(0).id).lean();
    expect(stored).toMatchObject({ version: 3, name: 'Gig v3' });
  });
});

describe('eventSaleState', () => {
  const now = new Date('2030-06-01T00:00:00Z');
  it('is on sale only while scheduled and not started', () => {
    expect(eventSaleState(null, now)).toBe('unknown');
    expect(eventSaleState({ status: EventStatus.Scheduled, startsAt: new Date('2030-06-02T00:00:00Z') }, now)).toBe('on-sale');
    expect(eventSaleState({ status: EventStatus.Scheduled, startsAt: new Date('2030-05-31T00:00:00Z') }, now)).toBe('not-on-sale');
    expect(eventSaleState({ status: EventStatus.Cancelled, startsAt: new Date('2030-06-02T00:00:00Z') }, now)).toBe('not-on-sale');
  });
});
