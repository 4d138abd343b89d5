import mongoose from 'mongoose';

/**
 * The orders service's replica of a ticket, fed by ticket:created and
 * ticket:updated. `version` is the tickets service's version and is written
 * only from those events (in order). The reservation (`reservedBy`) is this
 * service's own state: it is what makes reserving atomic, and it is the
 * authority on whether a new order may take the ticket.
 */
export interface TicketAttrs {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
}

export interface TicketDoc extends mongoose.Document {
  title: string;
  price: number;
  userId: string;
  version: number;
  /** The order holding the ticket (created or complete), null when it is free. */
  reservedBy: mongoose.Types.ObjectId | null;
  /** When the current reservation was taken (for the sweep's orphan check). */
  reservedAt: Date | null;
  /** Set once the holding order is complete: the reservation is final and the sweep skips it. */
  sold: boolean;
}

interface TicketModel extends mongoose.Model<TicketDoc> {
  build(attrs: TicketAttrs): TicketDoc;
}

const ticketSchema = new mongoose.Schema<TicketDoc, TicketModel>(
  {
    title: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    userId: { type: String, required: true },
    // A plain field, not mongoose's version key: only events set it.
    version: { type: Number, required: true },
    reservedBy: { type: mongoose.Schema.Types.ObjectId, default: null },
    reservedAt: { type: Date, default: null },
    sold: { type: Boolean, default: false },
  },
  {
    versionKey: false,
    toJSON: {
      // In an order response a ticket is {id, title, price}.
      transform(_doc: unknown, ret: Record<string, unknown>) {
        return { id: String(ret._id), title: ret.title, price: ret.price };
      },
    },
  },
);

ticketSchema.index({ reservedBy: 1, sold: 1, reservedAt: 1 });

ticketSchema.statics.build = (attrs: TicketAttrs) =>
  new Ticket({ _id: attrs.id, title: attrs.title, price: attrs.price, userId: attrs.userId, version: attrs.version });

export const Ticket = mongoose.model<TicketDoc, TicketModel>('Ticket', ticketSchema);

type Id = string | mongoose.Types.ObjectId;

/** The holding order is complete: its reservation becomes final (a no-op when another order holds the ticket). */
export async function markTicketSold(ticketId: Id, orderId: Id): Promise<void> {
  await Ticket.updateOne({ _id: ticketId, reservedBy: orderId }, { $set: { sold: true } });
}

/** Reservations not final yet that were taken before `cutoff`: each ticket's id and the order holding it. */
export function reservationsTakenBefore(cutoff: Date): Promise<Array<{ _id: mongoose.Types.ObjectId; reservedBy: mongoose.Types.ObjectId }>> {
  return Ticket.find({ reservedBy: { $ne: null }, sold: { $ne: true }, reservedAt: { $lt: cutoff } }, { reservedBy: 1 })
    .lean<Array<{ _id: mongoose.Types.ObjectId; reservedBy: mongoose.Types.ObjectId }>>()
    .exec();
}
