import { EventStatus } from '@ticketing/common';
import { newId } from '@ticketing/common/testing';
import { Event } from '../data/event';
import { OrderAttrs } from '../data/order';
import { Payout, PayoutStatus } from '../data/payout';
import { SellerAccount } from '../data/seller-account';
import { createOrder } from './orders';

/** An event in payments' replica, starting at `startsAt`. */
export async function createEvent(startsAt: Date, version = 0, id = newId()) {
  return Event.create({ _id: id, name: 'Summer Tour', startsAt, status: EventStatus.Scheduled, version });
}

/** A version-2 order replica: a seller, maybe an event, `quantity` seats at `price` each. */
export async function createSellerOrder(attrs: Partial<OrderAttrs> = {}) {
  return createOrder({ ticketId: newId(), sellerId: newId(), quantity: 1, ...attrs });
}

/** The seller's stored Connect account. */
export async function createSellerAccount(userId: string, accountId = `acct_${userId.slice(-12)}`) {
  return SellerAccount.create({ _id: userId, accountId, createdAt: new Date() });
}

/** A payout as the payment:created listener stores it, due `releaseAt`. */
export async function createPayout(attrs: { sellerId?: string; eventId?: string; amount?: number; releaseAt?: Date; status?: PayoutStatus } = {}) {
  return Payout.create({
    orderId: newId(),
    ticketId: newId(),
    sellerId: attrs.sellerId ?? newId(),
    ...(attrs.eventId ? { eventId: attrs.eventId, eventVersion: 0 } : {}),
    amount: attrs.amount ?? 50,
    status: attrs.status ?? PayoutStatus.Pending,
    releaseAt: attrs.releaseAt ?? new Date(Date.now() - 1000),
  });
}
