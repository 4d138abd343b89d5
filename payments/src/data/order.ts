import mongoose from 'mongoose';
import { OrderStatus, TraceCarrier, toJSONOptions } from '@ticketing/common';

/**
 * The payments service's replica of an order, fed by order:created and
 * order:cancelled. `version` is the orders service's version, written
 * explicitly (no mongoose auto-increment): an event applies only on top of
 * `version - 1`. `traceparent`/`tracestate` (TraceCarrier) keep the trace of
 * the order:created handling that stored it: payment:created continues the
 * order's trace from there (domain/charges.ts), though paying is a request
 * of its own. Absent on replicas stored before they were kept, or untraced.
 */
export interface OrderAttrs extends TraceCarrier {
  id: string;
  userId: string;
  /** The ticket's (unit) price in dollars, at most two decimals. */
  price: number;
  /** What the order charges in dollars (`quantity × (unitPrice + fee)`, frozen by orders); version-1 messages: the price. */
  total?: number;
  status: OrderStatus;
  version: number;
  expiresAt: Date;
  /** The listing, its seller and its event (version 2; the seller's payout is made from them). */
  ticketId?: string;
  sellerId?: string;
  eventId?: string;
  /** Seats (absent: one). */
  quantity?: number;
}

export interface OrderDoc extends mongoose.Document, TraceCarrier {
  userId: string;
  price: number;
  /** Absent on replicas stored before version 2: they charge `price`. */
  total?: number;
  status: OrderStatus;
  version: number;
  expiresAt: Date;
  ticketId?: string;
  sellerId?: string;
  eventId?: string;
  quantity?: number;
}

interface OrderModel extends mongoose.Model<OrderDoc> {
  build(attrs: OrderAttrs): OrderDoc;
}

const orderSchema = new mongoose.Schema<OrderDoc, OrderModel>(
  {
    userId: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    total: { type: Number, min: 0 },
    status: { type: String, required: true, enum: Object.values(OrderStatus) },
    version: { type: Number, required: true },
    expiresAt: { type: Date, required: true },
    ticketId: { type: String },
    sellerId: { type: String },
    // Not immutable: a lookup list (FerretDB) would add a write to every order:created for a rare sweep.
    eventId: { type: String },
    quantity: { type: Number, min: 1 },
    traceparent: { type: String },
    tracestate: { type: String },
  },
  {
    versionKey: false,
    toJSON: toJSONOptions,
  },
);

orderSchema.statics.build = ({ id, ...rest }: OrderAttrs) => new Order({ _id: id, ...rest });

// The buyer guarantee finds an event's orders by it.
orderSchema.index({ eventId: 1 });

export const Order = mongoose.model<OrderDoc, OrderModel>('Order', orderSchema);

/** What paying the order charges, in dollars: its total (version 1: the ticket's price). */
export const amountDue = (order: Pick<OrderDoc, 'price' | 'total'>): number => order.total ?? order.price;

/** The ids of the orders of an event this replica knows. */
export async function orderIdsOfEvent(eventId: string): Promise<string[]> {
  const orders = await Order.find({ eventId }, { _id: 1 }).lean<Array<{ _id: unknown }>>().exec();
  return orders.map((o) => String(o._id));
}
