import mongoose from 'mongoose';

/**
 * Which ticket an order is for, under the order's id: payment:created names
 * only the order, and a ticket found by `{orderId}` is a full scan of the
 * tickets on FerretDB v1 (only `_id` equality is pushed down), one per sale.
 * Written (insert-if-absent; an order never changes its ticket) when
 * order:created or order:cancelled brings the pair, before either decides
 * anything, so every ticket an order has locked or been cancelled on is
 * reachable from the order by _id.
 */
export interface OrderTicketDoc {
  /** The order's id. */
  _id: string;
  ticketId: string;
}

const orderTicketSchema = new mongoose.Schema<OrderTicketDoc>(
  {
    _id: { type: String, required: true },
    ticketId: { type: String, required: true },
  },
  { versionKey: false },
);

export const OrderTicket = mongoose.model<OrderTicketDoc>('OrderTicket', orderTicketSchema);
