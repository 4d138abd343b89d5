import mongoose from 'mongoose';
import { OrderStatus } from '@ticketing/common';

/** The replica of orders (order:created, payment:created, order:cancelled): who bought what from whom. */
export interface OrderDoc {
  _id: mongoose.Types.ObjectId;
  buyerId: string;
  sellerId?: string;
  ticketId: string;
  eventId?: string;
  quantity: number;
  /** Dollars charged (version 1: the price). */
  total: number;
  expiresAt: Date;
  status: OrderStatus;
}

const orderSchema = new mongoose.Schema<OrderDoc>(
  {
    buyerId: { type: String, required: true },
    sellerId: { type: String },
    ticketId: { type: String, required: true },
    eventId: { type: String },
    quantity: { type: Number, required: true, min: 1 },
    total: { type: Number, required: true, min: 0 },
    expiresAt: { type: Date, required: true },
    status: { type: String, required: true, enum: Object.values(OrderStatus) },
  },
  { versionKey: false },
);

orderSchema.index({ eventId: 1 });
orderSchema.index({ ticketId: 1 });

export const Order = mongoose.model<OrderDoc>('Order', orderSchema);
