import mongoose from 'mongoose';
import { OrderStatus, outboxPlugin, toJSONWithout, WithOutbox } from '@ticketing/common';
import { Ticket, TicketDoc } from './ticket';

export { OrderStatus };

export interface OrderAttrs {
  /** Pre-generated so the ticket can be reserved for the order before the order is written. */
  id: mongoose.Types.ObjectId;
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  ticket: TicketDoc;
  /** Seats held by the order. */
  quantity: number;
  /** The listing's price and the buyer's fee per seat when the order was placed, and what it charges: frozen. */
  unitPrice: number;
  fee: number;
  total: number;
}

export interface OrderDoc extends mongoose.Document, WithOutbox {
  userId: string;
  status: OrderStatus;
  expiresAt: Date;
  ticket: TicketDoc;
  quantity: number;
  unitPrice: number;
  fee: number;
  total: number;
  version: number;
  createdAt: Date;
}

interface OrderModel extends mongoose.Model<OrderDoc> {
  build(attrs: OrderAttrs): OrderDoc;
}

const orderSchema = new mongoose.Schema<OrderDoc, OrderModel>(
  {
    userId: { type: String, required: true },
    status: { type: String, required: true, enum: Object.values(OrderStatus), default: OrderStatus.Created },
    expiresAt: { type: mongoose.Schema.Types.Date, required: true },
    ticket: { type: mongoose.Schema.Types.ObjectId, ref: 'Ticket', required: true },
    // Orders stored before version 2 are one seat; they have no frozen prices.
    quantity: { type: Number, required: true, default: 1 },
    unitPrice: { type: Number },
    fee: { type: Number },
    total: { type: Number },
    // Sorting only ("newest first"); not part of the response.
    createdAt: { type: Date, default: () => new Date() },
  },
  {
    // Every version is published (order:created at 0, order:cancelled at +1),
    // so the replicas in tickets and payments never wait for one they cannot get.
    versionKey: 'version',
    optimisticConcurrency: true,
    toJSON: { ...toJSONWithout('createdAt'), versionKey: true },
  },
);

// (called directly: the typed schema does not fit the plugin signature of the untyped one)
outboxPlugin(orderSchema as unknown as mongoose.Schema);
orderSchema.index({ userId: 1, createdAt: -1 });
orderSchema.index({ status: 1, expiresAt: 1 });
orderSchema.index({ ticket: 1, status: 1 });

orderSchema.statics.build = (attrs: OrderAttrs) =>
  new Order({
    _id: attrs.id,
    userId: attrs.userId,
    status: attrs.status,
    expiresAt: attrs.expiresAt,
    ticket: attrs.ticket,
    quantity: attrs.quantity,
    unitPrice: attrs.unitPrice,
    fee: attrs.fee,
    total: attrs.total,
  });

export const Order = mongoose.model<OrderDoc, OrderModel>('Order', orderSchema);

/** Up to `limit` ids of orders still created that expired before `cutoff`, in _id order after `after`. */
export async function expiredCreatedOrderIds(cutoff: Date, limit: number, after?: mongoose.Types.ObjectId): Promise<mongoose.Types.ObjectId[]> {
  const docs = await Order.find({ status: OrderStatus.Created, expiresAt: { $lt: cutoff }, ...(after ? { _id: { $gt: after } } : {}) }, { _id: 1 })
    .sort({ _id: 1 })
    .limit(limit)
    .lean<Array<{ _id: mongoose.Types.ObjectId }>>()
    .exec();
  return docs.map((d) => d._id);
}

/** The status of each of these orders that exists, by id. */
export async function orderStatuses(ids: mongoose.Types.ObjectId[]): Promise<Map<string, OrderStatus>> {
  const orders = await Order.find({ _id: { $in: ids } }, { status: 1 }).lean<Array<{ _id: mongoose.Types.ObjectId; status: OrderStatus }>>().exec();
  return new Map(orders.map((o) => [String(o._id), o.status]));
}

/** The ids of the unpaid (created) orders for the listings of an event. */
export async function unpaidOrderIdsOfEvent(eventId: string): Promise<mongoose.Types.ObjectId[]> {
  const listings = await Ticket.find({ eventId }, { _id: 1 }).lean<Array<{ _id: mongoose.Types.ObjectId }>>().exec();
  if (!listings.length) return [];
  const orders = await Order.find({ ticket: { $in: listings.map((l) => l._id) }, status: OrderStatus.Created }, { _id: 1 })
    .lean<Array<{ _id: mongoose.Types.ObjectId }>>()
    .exec();
  return orders.map((o) => o._id);
}
