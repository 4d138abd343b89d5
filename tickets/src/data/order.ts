import mongoose from 'mongoose';

/**
 * An order this service has heard of (order:created or order:cancelled),
 * under the order's id: the ticket it is for. An order never changes its
 * ticket, and the ticket forgets the order once it is released, so this is
 * where payment:created, which names only the order, finds the ticket to
 * sell, by primary key. Written insert-if-absent before either event
 * decides anything.
 */
export interface OrderDoc {
  /** The order's id. */
  _id: string;
  ticketId: string;
  /** The buyer (order:created's userId): who the order's passes are issued to. Absent on orders recorded before passes. */
  buyerId?: string;
  /** payment:refunded arrived: the order's passes are void, and any issued later too. */
  refunded?: boolean;
}

const orderSchema = new mongoose.Schema<OrderDoc>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, required: true },
    buyerId: { type: String },
    refunded: { type: Boolean },
  },
  { versionKey: false },
);

export const Order = mongoose.model<OrderDoc>('Order', orderSchema);
