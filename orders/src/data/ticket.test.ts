import mongoose from 'mongoose';
import { SplitRule } from '@ticketing/common';
import { useTestDatabase } from '@ticketing/common/testing';
import { Ticket, upgradeVersion1Replicas } from './ticket';

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
