import mongoose from 'mongoose';
import { Subjects } from '@ticketing/common';
import { newId, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../data/ticket';
import { saveTicket } from './tickets';

useTestDatabase();

const newTicket = () => new Ticket({ title: 'Concert', price: 20, userId: newId() });

describe('Ticket', () => {
  it('starts at version 0 and adds 1 on every save', async () => {
    const ticket = newTicket();
    await saveTicket(ticket);
    expect(ticket.version).toBe(0);
    ticket.set({ price: 25 });
    await saveTicket(ticket);
    expect(ticket.version).toBe(1);
    ticket.set({ title: 'Other' });
    await saveTicket(ticket);
    expect((await Ticket.findById(ticket.id))!.version).toBe(2);
  });

  it('stages ticket:created, then ticket:updated with the version each save stores', async () => {
    const ticket = newTicket();
    await saveTicket(ticket);
    ticket.set({ orderId: 'order-1' });
    await saveTicket(ticket);
    const stored = await Ticket.findById(ticket.id);
    expect(stored!.outbox.map((e) => [e.subject, (e.data as { version: number }).version])).toEqual([
      [Subjects.TicketCreated, 0],
      [Subjects.TicketUpdated, 1],
    ]);
    expect(stored!.outbox[1].data).toEqual({
      id: ticket.id,
      version: 1,
      title: 'Concert',
      price: 20,
      userId: ticket.userId,
      orderId: 'order-1',
    });
  });

  it('rejects the second of two saves of copies loaded at the same version (VersionError)', async () => {
    const { id } = await saveTicket(newTicket());
    const first = await Ticket.findById(id);
    const second = await Ticket.findById(id);
    first!.set({ price: 30 });
    await saveTicket(first!);
    second!.set({ price: 40 });
    await expect(saveTicket(second!)).rejects.toBeInstanceOf(mongoose.Error.VersionError);
    const stored = await Ticket.findById(id);
    expect(stored).toMatchObject({ price: 30, version: 1 });
    // The loser's event was never stored.
    expect(stored!.outbox.filter((e) => e.subject === Subjects.TicketUpdated)).toHaveLength(1);
  });

  it('lets exactly one of several concurrent saves from one version win', async () => {
    const { id } = await saveTicket(newTicket());
    const copies = await Promise.all([1, 2, 3, 4].map(() => Ticket.findById(id)));
    const results = await Promise.allSettled(
      copies.map((copy, i) => {
        copy!.set({ price: 50 + i });
        return saveTicket(copy!);
      }),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(mongoose.Error.VersionError);
    }
    const stored = await Ticket.findById(id);
    expect(stored!.version).toBe(1);
    expect(stored!.outbox.filter((e) => e.subject === Subjects.TicketUpdated)).toHaveLength(1);
  });

  it('derives status from the lock and the sale', () => {
    expect(newTicket().status).toBe('available');
    expect(new Ticket({ title: 't', price: 1, userId: 'u', orderId: 'o' }).status).toBe('reserved');
    expect(new Ticket({ title: 't', price: 1, userId: 'u', orderId: 'o', soldAt: new Date() }).status).toBe('sold');
  });

  it('serialises as exactly {id, title, price, userId, version, orderId?} (no status: only /mine adds it)', async () => {
    const ticket = await saveTicket(newTicket());
    expect(ticket.toJSON()).toEqual({ id: ticket.id, title: 'Concert', price: 20, userId: ticket.userId, version: 0 });
    ticket.set({ orderId: 'o1' });
    await saveTicket(ticket);
    expect(JSON.parse(JSON.stringify(ticket))).toEqual({
      id: ticket.id,
      title: 'Concert',
      price: 20,
      userId: ticket.userId,
      version: 1,
      orderId: 'o1',
    });
    ticket.set({ soldAt: new Date() });
    await saveTicket(ticket);
    expect(Object.keys(JSON.parse(JSON.stringify(ticket))).sort()).toEqual(['id', 'orderId', 'price', 'title', 'userId', 'version']);
  });
});
