import { logger, OrderStatus } from '@ticketing/common';
import mongoose from 'mongoose';
import { expiredCreatedOrderIds, orderStatuses } from '../data/order';
import { holdsTakenBefore, markSeatsSold } from '../data/ticket';
import { HoldLimit } from './hold-limit';
import { cancelOrder, releaseTicket } from './orders';

/** A reservation younger than this may belong to a request still writing its order. */
const MIN_ORPHAN_AGE_MS = 60000;

export interface SweepSettings {
  /** How long past expiresAt an order waits for expiration:complete before the sweep steps in. */
  graceMs: number;
  /** Orders read at a time. */
  batchSize: number;
}

export interface SweepResult {
  /** Created orders long past expiresAt, now cancelled. */
  cancelled: number;
  /** Holds whose order was never written or is cancelled, their seats now given back. */
  released: number;
}

/**
 * The safety net under the expiration service: cancels orders that are
 * still `created` long after they expired (e.g. the Bull job was lost with
 * Redis), and gives back seats left held by a crash between taking them
 * and writing the order, or between cancelling an order and giving its seats
 * back.
 */
export async function sweepOrders(holds: HoldLimit, settings: SweepSettings, now = new Date()): Promise<SweepResult> {
  const cutoff = new Date(now.getTime() - settings.graceMs);
  const orphanCutoff = new Date(now.getTime() - Math.max(settings.graceMs, MIN_ORPHAN_AGE_MS));
  return {
    cancelled: await cancelExpired(holds, cutoff, settings.batchSize),
    released: await releaseOrphans(orphanCutoff),
  };
}

async function cancelExpired(holds: HoldLimit, cutoff: Date, batchSize: number): Promise<number> {
  let cancelled = 0;
  let after: mongoose.Types.ObjectId | undefined;
  for (;;) {
    const ids = await expiredCreatedOrderIds(cutoff, batchSize, after);
    for (const id of ids) {
      try {
        if ((await cancelOrder(id, holds)) === 'cancelled') cancelled += 1;
      } catch (err) {
        // The order kept changing under the cancel: the next sweep finds it again if it is still due.
        if (!(err instanceof mongoose.Error.VersionError)) throw err;
        logger.warn({ orderId: String(id) }, 'order sweep: the order kept changing; left for the next sweep');
      }
    }
    if (ids.length < batchSize) return cancelled;
    after = ids[ids.length - 1];
  }
}

async function releaseOrphans(cutoff: Date): Promise<number> {
  let released = 0;
  const holds = await holdsTakenBefore(cutoff);
  if (holds.length === 0) return 0;
  const statusOf = await orderStatuses(holds.map((h) => h.orderId));
  for (const hold of holds) {
    const status = statusOf.get(String(hold.orderId));
    // A live order: cancelExpired deals with it when it is due.
    if (status === OrderStatus.Created) continue;
    // Paid (refunded later or not): the seats were sold.
    if (status === OrderStatus.Complete || status === OrderStatus.Refunded) {
      await markSeatsSold(hold.ticketId, hold.orderId);
      continue;
    }
    // No such order (never written) or a cancelled one.
    if (await releaseTicket(hold.ticketId, hold.orderId)) released += 1;
  }
  return released;
}
