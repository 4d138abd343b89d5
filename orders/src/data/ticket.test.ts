import mongoose from 'mongoose';
import { SplitRule } from '@ticketing/common';
import { useTestDatabase } from '@ticketing/common/testing';
import { offerSeats, takeOfferedSeats, Ticket, upgradeVersion1Replicas, withdrawOffer } from './ticket';

useTestDatabase();

const oid = () => new mongoose.Types.ObjectId();

describe('upgradeVersion1Replicas', () => {
  it('gives replicas stored by version 1 a seat counter: free, held or sold, once', async () => {
    const [free, held, sold, current] = [oid(), oid(), oid(), oid()];
    const [holder, buyer] = [oid(), oid()];
    const takenAt = new Date('2026-01-01T10:00:00Z');
    const v1 = { title: 'Gig', price: 20, userId: 'seller', version: 3 };
    await Ticket.collection.insertMany([
      { _id: free, ...v1, reservedBy: null, reservedAt: null, sold: false },
      { _id: held, ...v1, reservedBy: holder, reservedAt: takenAt, sold: false },
      { _id: sold, ...v1, reservedBy: buyer, reservedAt: takenAt, sold: true },
    ]);
    await Ticket.build({ id: String(current), ...v1, quantity: 4 }).save();

    expect(await upgradeVersion1Replicas()).toBe(3);
    expect(await upgradeVersion1Replicas()).toBe(0);

    const view = async (id: mongoose.Types.ObjectId) => {
      const t = (await Ticket.collection.findOne({ _id: id }))!;
      return { quantity: t.quantity, split: t.split, available: t.available, holds: t.holds ?? [], sales: t.sales ?? [], reservedBy: t.reservedBy, sold: t.sold, version: t.version };
    };
    const base = { quantity: 1, split: SplitRule.Any, reservedBy: undefined, sold: undefined, version: 3 };
    expect(await view(free)).toEqual({ ...base, available: 1, holds: [], sales: [] });
    expect(await view(held)).toEqual({ ...base, available: 0, holds: [{ orderId: holder, quantity: 1, takenAt }], sales: [] });
    expect(await view(sold)).toEqual({ ...base, available: 0, holds: [], sales: [{ orderId: buyer, quantity: 1, takenAt }] });
    // A replica that has its counter is left as it is.
    expect(await view(current)).toMatchObject({ quantity: 4, available: 4 });
  });
});

describe('offers on the seat counter (docs/waitlist.md)', () => {
  const listing = async (quantity: number, available: number) => {
    const id = oid();
    await Ticket.build({ id: String(id), title: 'Gig', price: 20, userId: 'seller', version: 0, quantity }).save();
    await Ticket.updateOne({ _id: id }, { $set: { available } });
    return id;
  };
  const counter = async (id: mongoose.Types.ObjectId) => {
    const t = (await Ticket.findById(id).lean())!;
    return { available: t.available, offers: t.offers.map((o) => `${String(o.entryId)}×${o.quantity}`), holds: t.holds.map((h) => `${String(h.orderId)}×${h.quantity}`) };
  };

  it('offers an entry its seats once, however many servers try at the same moment', async () => {
    const id = await listing(4, 3);
    const entry = oid();
    const now = new Date();
    const tries = await Promise.all([1, 2, 3].map(() => offerSeats(id, entry, 2, now)));
    expect(tries.filter(Boolean)).toHaveLength(1);
    expect(await counter(id)).toEqual({ available: 1, offers: [`${String(entry)}×2`], holds: [] });
  });

  it('gives an offer back once, however often it is withdrawn at the same moment', async () => {
    const id = await listing(4, 2);
    const entry = oid();
    await offerSeats(id, entry, 2, new Date());
    const back = await Promise.all([1, 2, 3].map(() => withdrawOffer(id, entry)));
    expect(back.filter(Boolean)).toHaveLength(1);
    expect(await counter(id)).toEqual({ available: 2, offers: [], holds: [] });
  });

  it('turns an offer into an order or gives it back, never both', async () => {
    const id = await listing(3, 3);
    const entry = oid();
    const order = oid();
    await offerSeats(id, entry, 3, new Date());
    const [taken, back] = await Promise.all([takeOfferedSeats(id, entry, order, 2, new Date()), withdrawOffer(id, entry)]);
    expect(Boolean(taken) !== back).toBe(true);
    expect(await counter(id)).toEqual(taken ? { available: 1, offers: [], holds: [`${String(order)}×2`] } : { available: 3, offers: [], holds: [] });
  });
});
