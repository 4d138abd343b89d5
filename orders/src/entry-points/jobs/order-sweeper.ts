import { logger, OrderStatus } from '@ticketing/common';
import { Order } from '../../data/order';
import { Ticket } from '../../data/ticket';
import { cancelOrder, releaseTicket } from '../../domain/orders';

const MIN_ORPHAN_AGE_MS = 60000;

export interface OrderSweeperOptions {
  intervalMs: number;
  /** How long past expiresAt an order waits for expiration:complete before the sweep steps in. */
  graceMs: number;
  batchSize?: number;
}

export interface SweepResult {
  /** Created orders long past expiresAt, now cancelled. */
  cancelled: number;
  /** Reservations whose order was never written or is cancelled, now released. */
  released: number;
}

/**
 * The safety net under the expiration service: now and then it cancels
 * orders that are still `created` long after they expired (e.g. the Bull
 * job was lost with Redis), and frees reservations left behind by a crash
 * between reserving a ticket and writing its order, or between cancelling
 * an order and freeing its ticket.
 */
export class OrderSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly batchSize: number;

  constructor(private readonly options: OrderSweeperOptions) {
    this.batchSize = options.batchSize ?? 100;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then((result) => {
          if (result.cancelled || result.released) logger.warn(result, 'order sweep repaired stale orders');
        })
        .catch((err) => logger.error({ err }, 'order sweep failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async sweep(now = new Date()): Promise<SweepResult> {
    const cutoff = new Date(now.getTime() - this.options.graceMs);
    // A reservation younger than this may belong to a request still writing its order.
    const orphanCutoff = new Date(now.getTime() - Math.max(this.options.graceMs, MIN_ORPHAN_AGE_MS));
    return { cancelled: await this.cancelStale(cutoff), released: await this.releaseOrphans(orphanCutoff) };
  }

  private async cancelStale(cutoff: Date): Promise<number> {
    let cancelled = 0;
    for (;;) {
      const stale = await Order.find({ status: OrderStatus.Created, expiresAt: { $lt: cutoff } }, { _id: 1 })
        .limit(this.batchSize)
        .lean();
      for (const { _id } of stale) {
        if ((await cancelOrder(_id)) === 'cancelled') cancelled += 1;
      }
      if (stale.length < this.batchSize) return cancelled;
    }
  }

  private async releaseOrphans(cutoff: Date): Promise<number> {
    let released = 0;
    const tickets = await Ticket.find(
      { reservedBy: { $ne: null }, sold: { $ne: true }, reservedAt: { $lt: cutoff } },
      { reservedBy: 1 },
    ).lean();
    if (tickets.length === 0) return 0;
    const orders = await Order.find({ _id: { $in: tickets.map((t) => t.reservedBy) } }, { status: 1 }).lean();
    const statusOf = new Map(orders.map((o) => [String(o._id), o.status]));
    for (const ticket of tickets) {
      const status = statusOf.get(String(ticket.reservedBy));
      if (status === OrderStatus.Created) continue; // a live order: cancelStale deals with it when it is due
      if (status === OrderStatus.Complete) {
        await Ticket.updateOne({ _id: ticket._id, reservedBy: ticket.reservedBy }, { $set: { sold: true } });
        continue;
      }
      // No such order (never written) or a cancelled one.
      if (await releaseTicket(ticket._id, ticket.reservedBy!)) released += 1;
    }
    return released;
  }
}
