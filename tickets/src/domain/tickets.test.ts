import mongoose from 'mongoose';
import { DEFAULT_FEES, Subjects } from '@ticketing/common';
import { newId, useTestDatabase } from '@ticketing/common/testing';
import { findAvailableTickets, Ticket } from '../data/ticket';
import { priced } from '../test/app';
import { saveTicket, upgradeVersionOneListings } from './tickets';

useTestDatabase();

const newTicket = () => new Ticket({ title: 'Concert', ...priced(20), userId: newId() });

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
    ticket.holds.push({ orderId: 'order-1', quantity: 1 });
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
      quantity: 1,
      split: 'any',
      fee: 2.5,
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

  it('derives the counts, the one-seat lock and the status from the holds and the sales on every save', async () => {
    expect(newTicket().status).toBe('available');
    const reserved = newTicket();
    reserved.holds.push({ orderId: 'o', quantity: 1 });
    await reserved.validate();
    expect({ orderId: reserved.orderId, held: reserved.held, available: reserved.available, status: reserved.status }).toEqual({ orderId: 'o', held: 1, available: 0, status: 'reserved' });
    const sold = newTicket();
    sold.sales.push({ orderId: 'o', quantity: 1 });
    await sold.validate();
    expect({ orderId: sold.orderId, sold: sold.sold, soldAt: sold.soldAt, status: sold.status }).toEqual({ orderId: 'o', sold: 1, soldAt: expect.any(Date), status: 'sold' });
    const several = new Ticket({ title: 't', ...priced(10), userId: 'u', quantity: 5 });
    several.holds.push({ orderId: 'a', quantity: 2 });
    several.sales.push({ orderId: 'b', quantity: 1 });
    await several.validate();
    // Several seats: no version-1 lock; seats left, so still available.
    expect({ orderId: several.orderId, held: several.held, sold: several.sold, available: several.available, status: several.status }).toEqual({ orderId: undefined, held: 2, sold: 1, available: 2, status: 'available' });
    several.holds.push({ orderId: 'c', quantity: 2 });
    await several.validate();
    expect(several.status).toBe('reserved');
    several.set({ cancelled: true });
    expect(several.status).toBe('cancelled');
    // Never more held and sold than listed.
    several.holds.push({ orderId: 'd', quantity: 1 });
    await expect(several.validate()).rejects.toThrow(/more than the 5 listed/);
  });

  it('serialises as exactly {id, title, price, userId, version, orderId?} and version 2\'s listing fields (no status: only /mine adds it)', async () => {
    const ticket = await saveTicket(newTicket());
    expect(ticket.toJSON()).toEqual({ id: ticket.id, title: 'Concert', price: 20, userId: ticket.userId, version: 0, quantity: 1, available: 1, split: 'any', fee: 2.5, allInPrice: 22.5 });
    ticket.holds.push({ orderId: 'o1', quantity: 1 });
    await saveTicket(ticket);
    expect(JSON.parse(JSON.stringify(ticket))).toEqual({
      id: ticket.id,
      title: 'Concert',
      price: 20,
      userId: ticket.userId,
      version: 1,
      orderId: 'o1',
      quantity: 1,
      available: 0,
      split: 'any',
      fee: 2.5,
      allInPrice: 22.5,
    });
    ticket.holds.pop();
    ticket.sales.push({ orderId: 'o1', quantity: 1 });
    await saveTicket(ticket);
    expect(Object.keys(JSON.parse(JSON.stringify(ticket))).sort()).toEqual(['allInPrice', 'available', 'fee', 'id', 'orderId', 'price', 'quantity', 'split', 'title', 'userId', 'version']);
  });
});

describe('upgradeVersionOneListings', () => {
  it('gives listings stored before version 2 one seat, the fee and their lock as a hold or a sale, once, without a version or an event', async () => {
    // Written past mongoose (no defaults), as version 1 stored them.
    const raw = Ticket.collection;
    const v1 = (extra: object) => ({ title: 'Old', price: 25, userId: newId(), cancelledOrderIds: [], outbox: [], version: 0, createdAt: new Date(), updatedAt: new Date(), ...extra });
    const holder = newId();
    const buyer = newId();
    const { insertedIds } = await raw.insertMany([v1({}), v1({ orderId: holder }), v1({ orderId: buyer, soldAt: new Date() })]);
    expect(await upgradeVersionOneListings(DEFAULT_FEES)).toBe(3);
    const [free, reserved, sold] = await Promise.all(Object.values(insertedIds).map((id) => Ticket.findById(id)));
    expect(free).toMatchObject({ quantity: 1, split: 'any', fee: 3, allInPrice: 28, held: 0, sold: 0, available: 1, cancelled: false, version: 0, status: 'available' });
    expect(reserved).toMatchObject({ orderId: holder, held: 1, available: 0, status: 'reserved' });
    expect(sold).toMatchObject({ orderId: buyer, sold: 1, available: 0, status: 'sold' });
    expect(await findAvailableTickets({ limit: 10, offset: 0 })).toEqual([expect.objectContaining({ id: free!.id, available: 1, allInPrice: 28 })]);
    expect(await upgradeVersionOneListings(DEFAULT_FEES)).toBe(0);
    expect(free!.outbox).toEqual([]);
  });
});
