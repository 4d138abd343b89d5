import { EventStatus, Subjects } from '@ticketing/common';
import { newId, useTestDatabase } from '@ticketing/common/testing';
import { Notification } from '../../data/notification';
import { User } from '../../data/user';
import { Watch } from '../../data/watch';
import { UNKNOWN_ORDER_DELIVERIES } from '../../domain/facts';
import { eventData, knownEvent, listingData, orderData, testService } from '../../test/app';

useTestDatabase();
const { bus, listening } = testService();
beforeAll(() => listening);

const inbox = async (userId: string) => (await Notification.find({ userId }).lean()).map((n) => ({ kind: n.kind, message: n.message, link: n.link }));

describe('payment:created', () => {
  it('tells the buyer the order is paid and the seller the seats sold, once each however often it comes', async () => {
    const listing = listingData();
    await bus.deliver(Subjects.TicketCreated, listing);
    const order = orderData({ ticketId: listing.id, sellerId: listing.userId, quantity: 2, total: 56 });
    expect(await bus.deliver(Subjects.OrderCreated, order)).toBe(true);
    const payment = { id: newId(), orderId: order.id, stripeId: 'pi_1' };
    for (let i = 0; i < 3; i += 1) expect(await bus.deliver(Subjects.PaymentCreated, payment, { id: 'same-event' })).toBe(true);
    // A second payment:created of the same order (another event id) is the same fact.
    expect(await bus.deliver(Subjects.PaymentCreated, { ...payment, id: newId() })).toBe(true);

    expect(await inbox(order.userId)).toEqual([
      { kind: 'order-paid', message: 'Your order of 2 tickets for Summer Tour floor is paid ($56.00). Enjoy the show!', link: `/orders/${order.id}` },
    ]);
    expect(await inbox(listing.userId)).toEqual([
      { kind: 'ticket-sold', message: 'You sold 2 tickets for Summer Tour floor. Your payout follows after the event.', link: '/payouts' },
    ]);
  });

  it('is not acked before its order:created arrived, and applies after it', async () => {
    const order = orderData();
    const payment = { id: newId(), orderId: order.id, stripeId: 'pi_2' };
    expect(await bus.deliver(Subjects.PaymentCreated, payment)).toBe(false);
    expect(await Notification.countDocuments()).toBe(0);
    await bus.deliver(Subjects.OrderCreated, order);
    expect(await bus.deliver(Subjects.PaymentCreated, payment, { deliveryCount: 2 })).toBe(true);
    expect(await Notification.countDocuments({ userId: order.userId, kind: 'order-paid' })).toBe(1);
  });

  it('is dropped (acked, nobody told) once its order never came', async () => {
    const payment = { id: newId(), orderId: newId(), stripeId: 'pi_3' };
    expect(await bus.deliver(Subjects.PaymentCreated, payment, { deliveryCount: UNKNOWN_ORDER_DELIVERIES })).toBe(true);
    expect(await Notification.countDocuments()).toBe(0);
  });
});

describe('order:cancelled', () => {
  it('tells the buyer the order expired when cancelled at or after its expiry, once', async () => {
    const order = orderData({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    await bus.deliver(Subjects.OrderCreated, order);
    const cancelled = { id: order.id, version: 1, ticket: { id: order.ticket.id } };
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled)).toBe(true);
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled)).toBe(true);
    expect(await inbox(order.userId)).toEqual([
      { kind: 'order-expired', message: 'Your order of 2 tickets expired before it was paid; the seats were released.', link: `/tickets/${order.ticket.id}` },
    ]);
  });

  it("tells nobody when the buyer cancelled before the expiry, or when the order was paid", async () => {
    const early = orderData();
    await bus.deliver(Subjects.OrderCreated, early);
    expect(await bus.deliver(Subjects.OrderCancelled, { id: early.id, version: 1, ticket: { id: early.ticket.id } })).toBe(true);
    const paid = orderData({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    await bus.deliver(Subjects.OrderCreated, paid);
    await bus.deliver(Subjects.PaymentCreated, { id: newId(), orderId: paid.id, stripeId: 'pi_4' });
    expect(await bus.deliver(Subjects.OrderCancelled, { id: paid.id, version: 1, ticket: { id: paid.ticket.id } })).toBe(true);
    expect(await Notification.countDocuments({ kind: 'order-expired' })).toBe(0);
  });
});

describe('payment:refunded', () => {
  it('tells the buyer the order was refunded, with the amount, once', async () => {
    const order = orderData();
    await bus.deliver(Subjects.OrderCreated, order);
    const refund = { id: newId(), orderId: order.id, stripeRefundId: 're_1', amount: 5600 };
    await bus.deliver(Subjects.PaymentRefunded, refund);
    await bus.deliver(Subjects.PaymentRefunded, refund);
    expect(await inbox(order.userId)).toEqual([{ kind: 'order-refunded', message: 'Your order was refunded in full ($56.00).', link: `/orders/${order.id}` }]);
  });
});

describe('event:cancelled', () => {
  it("tells the event's paying buyers and its sellers once each", async () => {
    const eventId = newId();
    await bus.deliver(Subjects.EventCreated, eventData(eventId));
    const listing = listingData({ eventId });
    await bus.deliver(Subjects.TicketCreated, listing);
    const paid = orderData({ ticketId: listing.id, sellerId: listing.userId, eventId });
    const unpaid = orderData({ ticketId: listing.id, sellerId: listing.userId, eventId });
    await bus.deliver(Subjects.OrderCreated, paid);
    await bus.deliver(Subjects.OrderCreated, unpaid);
    await bus.deliver(Subjects.PaymentCreated, { id: newId(), orderId: paid.id, stripeId: 'pi_5' });
    const cancel = eventData(eventId, 1, EventStatus.Cancelled);
    await bus.deliver(Subjects.EventCancelled, cancel);
    await bus.deliver(Subjects.EventCancelled, cancel);
    const told = await Notification.find({ kind: 'event-cancelled' }).lean();
    expect(told.map((n) => n.userId).sort()).toEqual([paid.userId, listing.userId].sort());
    expect(told[0].message).toBe('Summer Tour was cancelled. Buyers are refunded in full; listings are withdrawn.');
  });
});

describe('payout:paid', () => {
  it('tells the seller the payout was sent, once', async () => {
    const payout = { id: newId(), sellerId: newId(), orderId: newId(), amount: 5000 };
    await bus.deliver(Subjects.PayoutPaid, payout);
    await bus.deliver(Subjects.PayoutPaid, payout);
    expect(await inbox(payout.sellerId)).toEqual([{ kind: 'payout-paid', message: 'Your payout ($50.00) was sent to your account.', link: '/payouts' }]);
  });
});

describe('pass:transferred', () => {
  it('tells the recipient a pass arrived, once however often it comes, and nobody else', async () => {
    const listing = listingData();
    await bus.deliver(Subjects.TicketCreated, listing);
    const transfer = { id: newId(), fromPassId: newId(), fromUserId: newId(), toUserId: newId(), ticketId: listing.id, orderId: newId() };
    await bus.deliver(Subjects.PassTransferred, transfer);
    await bus.deliver(Subjects.PassTransferred, transfer, { id: 'another-envelope' });
    expect(await inbox(transfer.toUserId)).toEqual([
      { kind: 'pass-received', message: 'A ticket for Summer Tour floor was transferred to you. It is in your passes.', link: '/passes' },
    ]);
    expect(await inbox(transfer.fromUserId)).toEqual([]);
  });
});

describe('waitlist:offered', () => {
  it('tells the waiting buyer the seats are held until the offer ends, once per offer', async () => {
    const listing = listingData();
    await bus.deliver(Subjects.TicketCreated, listing);
    const offer = { id: newId(), userId: newId(), ticketId: listing.id, quantity: 2, offerExpiresAt: '2027-06-01T19:30:00.000Z' };
    await bus.deliver(Subjects.WaitlistOffered, offer);
    await bus.deliver(Subjects.WaitlistOffered, offer, { id: 'another-envelope' });
    expect(await inbox(offer.userId)).toEqual([
      {
        kind: 'waitlist-offer',
        message: '2 tickets for Summer Tour floor are held for you from the waiting list until Tue, 01 Jun 2027 19:30:00 GMT. Order them before the offer ends.',
        link: `/tickets/${listing.id}`,
      },
    ]);
  });
});

describe('user:created', () => {
  it('keeps the address, however often it comes', async () => {
    const user = { id: newId(), email: 'fan@example.com' };
    await bus.deliver(Subjects.UserCreated, user);
    await bus.deliver(Subjects.UserCreated, user);
    expect(await User.findById(user.id).lean()).toMatchObject({ email: 'fan@example.com' });
  });
});

describe('price alerts (ticket:created / ticket:updated)', () => {
  async function watching(maxPrice: number, eventId?: string) {
    const id = eventId ?? (await knownEvent());
    const watch = await Watch.create({ userId: newId(), eventId: id, maxPrice });
    return { eventId: id, watch };
  }
  const alerts = (userId: string) => Notification.find({ userId, kind: 'price-alert' }).lean();

  it('alerts a watcher once when a listing of the event is available at or under the maximum, all-in', async () => {
    const { eventId, watch } = await watching(28);
    const listing = listingData({ eventId, price: 25, fee: 3 });
    await bus.deliver(Subjects.TicketCreated, listing);
    await bus.deliver(Subjects.TicketCreated, listing);
    const [alert] = await alerts(watch.userId);
    expect(alert).toMatchObject({ message: 'Tickets for Summer Tour are available at $28.00 all-in, within your price.', link: `/tickets/${listing.id}` });
    expect(await alerts(watch.userId)).toHaveLength(1);
    // Repriced lower still: the same listing, no second alert.
    await bus.deliver(Subjects.TicketUpdated, { ...listing, version: 1, price: 20, fee: 2.5 });
    expect(await alerts(watch.userId)).toHaveLength(1);
  });

  it('does not alert over the maximum (all-in: the fee counts), then alerts once the listing is repriced within it', async () => {
    const { eventId, watch } = await watching(27.99);
    const listing = listingData({ eventId, price: 25, fee: 3 });
    await bus.deliver(Subjects.TicketCreated, listing);
    expect(await alerts(watch.userId)).toHaveLength(0);
    await bus.deliver(Subjects.TicketUpdated, { ...listing, version: 1, price: 24, fee: 2.9 });
    expect(await alerts(watch.userId)).toHaveLength(1);
  });

  it('alerts once per listing: another listing of the event alerts again', async () => {
    const { eventId, watch } = await watching(40);
    await bus.deliver(Subjects.TicketCreated, listingData({ eventId }));
    await bus.deliver(Subjects.TicketCreated, listingData({ eventId }));
    expect(await alerts(watch.userId)).toHaveLength(2);
  });

  it('does not alert for a listing with no seat available, a cancelled one, an older version, another event, or the watcher\'s own', async () => {
    const { eventId, watch } = await watching(40);
    const soldOut = listingData({ eventId, quantity: 2 });
    await bus.deliver(Subjects.OrderCreated, orderData({ ticketId: soldOut.id, quantity: 2 }));
    await bus.deliver(Subjects.TicketCreated, soldOut);
    const cancelled = listingData({ eventId });
    await bus.deliver(Subjects.TicketUpdated, { ...cancelled, version: 1, cancelled: true });
    await bus.deliver(Subjects.TicketCreated, cancelled);
    await bus.deliver(Subjects.TicketCreated, listingData({ eventId: await knownEvent() }));
    await bus.deliver(Subjects.TicketCreated, listingData({ eventId, userId: watch.userId }));
    expect(await alerts(watch.userId)).toHaveLength(0);
  });
});
