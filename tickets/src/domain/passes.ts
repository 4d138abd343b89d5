import { createHash, randomBytes } from 'node:crypto';
import {
  BadRequestError,
  EventData,
  EventStatus,
  isDuplicateKey,
  logger,
  NotAuthorizedError,
  NotFoundError,
  NotYetError,
  saveWithEvent,
  SimpleError,
  Subjects,
  UserPayload,
} from '@ticketing/common';
import { findEvent } from '../data/event';
import { Order } from '../data/order';
import { Outcome, Pass, PassDoc, PassJSON, passJSON, PassOutcome, PassOutcomeDoc, PassStatus } from '../data/pass';
import { Ticket } from '../data/ticket';
import { findUserByEmail, User } from '../data/user';
import { FieldError, OrderSale } from './tickets';
import { PassKeys } from './pass-codes';

export const INVALID_PASS = 'Invalid pass';
export const PASS_USED = 'Pass already used';
export const PASS_VOID = 'Pass is void';
export const PASS_NOT_VALID = 'Pass is not valid';
export const NO_SUCH_USER = 'No user with that email';
export const TRANSFER_TO_SELF = 'Cannot transfer to yourself';

/** A 409: the pass was valid once and is not any more. */
export class PassConflictError extends SimpleError {
  statusCode = 409;
}

/** The id of the first pass of an order's seat: the same on every delivery of payment:created, so issuing twice inserts once. */
export const firstPassId = (orderId: string, seat: number) => createHash('sha256').update(`pass:${orderId}:${seat}`).digest('hex').slice(0, 24);

const newPassId = () => randomBytes(12).toString('hex');

/** Inserts the pass unless a pass with its id exists (a redelivery, a retried transfer); the event, if any, is staged with it. */
async function insertPass(pass: PassDoc, event?: EventData<Subjects.PassTransferred>): Promise<void> {
  try {
    if (event) await saveWithEvent(pass, Subjects.PassTransferred, event);
    else await pass.save();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Is the seat's admission off: the order refunded or the event cancelled (as recorded here)? */
async function voidedAtSource(orderId: string, eventId?: string): Promise<boolean> {
  const order = await Order.findById(orderId).lean();
  if (order?.refunded) return true;
  if (!eventId) return false;
  return (await findEvent(eventId))?.status === EventStatus.Cancelled;
}

/**
 * The pass's one outcome, if this call is the first to decide it; else the
 * outcome decided before (and the pass's status brought in line with it, in
 * case the process that decided stopped before writing it).
 */
async function decide(passId: string, outcome: Omit<PassOutcomeDoc, '_id' | 'at'>): Promise<{ won: true } | { won: false; earlier: PassOutcomeDoc }> {
  try {
    await PassOutcome.create({ _id: passId, at: new Date(), ...outcome });
    return { won: true };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const earlier = await PassOutcome.findById(passId).lean<PassOutcomeDoc>();
  if (!earlier) throw new Error(`pass ${passId}: outcome taken but not found`);
  await settle(passId, earlier.outcome);
  return { won: false, earlier };
}

/** The pass's status follows its outcome: one conditional write, from valid only. */
async function settle(passId: string, outcome: Outcome): Promise<void> {
  const status = outcome === Outcome.Admitted ? PassStatus.Used : PassStatus.Void;
  await Pass.updateOne({ _id: passId, status: PassStatus.Valid }, { $set: { status, ...(status === PassStatus.Used ? { usedAt: new Date() } : {}) } }).exec();
}

/** Voids one pass unless it was admitted or transferred first (a transferred pass's successor is voided on its own). */
async function voidPass(passId: string): Promise<void> {
  const decided = await decide(passId, { outcome: Outcome.Voided });
  if (decided.won) await settle(passId, Outcome.Voided);
}

/**
 * payment:created, with the sale as sellTicket stored it — one pass per seat the
 * order bought, seats numbered 1..N, section and row from the listing, to
 * the buyer order:created named. Each pass's id is derived from the order
 * and the seat, so a redelivery inserts nothing new. Passes issued after
 * their order's refund or their event's cancel was recorded are voided
 * here: the void's scan ran first or this read sees it.
 */
export async function issuePasses({ order, ticket }: OrderSale, keys: PassKeys): Promise<void> {
  const orderId = order._id;
  const sale = ticket.sales.find((s) => s.orderId === orderId);
  if (!sale) return; // nothing sold to the order (sellTicket logged why)
  if (!order.buyerId) {
    // Its order:created was handled before passes existed: no buyer is known here.
    logger.error({ orderId }, 'no buyer recorded for the paid order; no passes issued');
    return;
  }
  const issued: string[] = [];
  for (let number = 1; number <= sale.quantity; number += 1) {
    const id = firstPassId(orderId, number);
    issued.push(id);
    await insertPass(
      new Pass({
        _id: id,
        orderId,
        ticketId: ticket.id,
        ...(ticket.eventId ? { eventId: ticket.eventId } : {}),
        holderId: order.buyerId,
        title: ticket.title,
        seat: { ...(ticket.section ? { section: ticket.section } : {}), ...(ticket.row ? { row: ticket.row } : {}), number },
        code: keys.sign(id),
        status: PassStatus.Valid,
      }),
    );
  }
  if (await voidedAtSource(orderId, ticket.eventId)) for (const id of issued) await voidPass(id);
}

/** payment:refunded — the order is marked refunded, then every pass of it is void (passes issued later see the mark). */
export async function voidPassesOfOrder(orderId: string): Promise<void> {
  const marked = await Order.updateOne({ _id: orderId }, { $set: { refunded: true } }).exec();
  // Its order:created has not been handled here yet: no passes can exist; the mark must, so wait for it.
  if (marked.matchedCount === 0) throw new NotYetError('refund of an order not recorded here yet', { orderId });
  for (const pass of await Pass.find({ orderId }).lean()) await voidPass(String(pass._id));
}

/** event:cancelled (after the replica says so) — every pass for the event is void (passes issued or transferred later see the replica). */
export async function voidPassesOfEvent(eventId: string): Promise<void> {
  if ((await findEvent(eventId))?.status !== EventStatus.Cancelled) return;
  for (const pass of await Pass.find({ eventId }).lean()) await voidPass(String(pass._id));
}

/** The caller's passes (one order's when asked), by order then seat. */
export async function passesOf(holderId: string, orderId?: string): Promise<PassJSON[]> {
  const passes = await Pass.find({ holderId }).lean();
  return passes
    .filter((p) => !orderId || p.orderId === orderId)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.orderId.localeCompare(b.orderId) || a.seat.number - b.seat.number)
    .map(passJSON);
}

/** The recipient's pass for a decided transfer: created once under the id the outcome names, with pass:transferred. */
async function completeTransfer(from: PassDoc, outcome: Pick<PassOutcomeDoc, 'toUserId' | 'toPassId'>, keys: PassKeys): Promise<string> {
  const toPassId = outcome.toPassId!;
  const toUserId = outcome.toUserId!;
  const pass = new Pass({
    _id: toPassId,
    orderId: from.orderId,
    ticketId: from.ticketId,
    ...(from.eventId ? { eventId: from.eventId } : {}),
    holderId: toUserId,
    title: from.title,
    seat: from.seat,
    code: keys.sign(toPassId),
    status: PassStatus.Valid,
    fromPassId: String(from._id),
  });
  await insertPass(pass, {
    id: toPassId,
    fromPassId: String(from._id),
    fromUserId: from.holderId,
    toUserId,
    ticketId: from.ticketId,
    orderId: from.orderId,
    ...(from.eventId ? { eventId: from.eventId } : {}),
  });
  // Refunded or cancelled while the transfer ran: the void's scan ran before this pass existed, or this read sees its mark.
  if (await voidedAtSource(from.orderId, from.eventId)) await voidPass(toPassId);
  return toPassId;
}

/**
 * The holder sends a valid pass to another registered user: the pass's
 * outcome becomes "transferred" (one insert: of concurrent transfers, on
 * any replica, exactly one wins, and a scan or void decided first wins
 * over it), its code is void at once, and the recipient gets a new pass
 * with a new code for the same seat.
 */
export async function transferPass(passId: string, holder: UserPayload, email: string, keys: PassKeys): Promise<{ id: string }> {
  const pass = await Pass.findById(passId);
  if (!pass) throw new NotFoundError();
  if (pass.holderId !== holder.id) throw new NotAuthorizedError();
  const recipient = await findUserByEmail(email);
  if (!recipient) throw new FieldError(NO_SUCH_USER, 'email');
  if (recipient._id === holder.id) throw new FieldError(TRANSFER_TO_SELF, 'email');
  if (pass.status !== PassStatus.Valid) throw new BadRequestError(PASS_NOT_VALID);
  const transfer = { toUserId: recipient._id, toPassId: newPassId() };
  const decided = await decide(String(pass._id), { outcome: Outcome.Transferred, ...transfer });
  if (!decided.won) {
    // A transfer whose process stopped before the recipient's pass was made is completed by whoever finds it.
    if (decided.earlier.outcome === Outcome.Transferred) await completeTransfer(pass, decided.earlier, keys);
    throw new BadRequestError(PASS_NOT_VALID);
  }
  await settle(String(pass._id), Outcome.Transferred);
  return { id: await completeTransfer(pass, transfer, keys) };
}

/** May this user admit holders of the pass: the organizer of its event, or (no event) the listing's seller, or an admin. */
async function mayAdmit(pass: PassDoc, user: UserPayload, adminEmails: readonly string[]): Promise<boolean> {
  if (adminEmails.includes(user.email.toLowerCase())) return true;
  if (pass.eventId) return (await findEvent(pass.eventId))?.organizerId === user.id;
  return (await Ticket.findById(pass.ticketId).lean())?.userId === user.id;
}

/**
 * At the gate: a code this service signed, naming a pass whose current code
 * it is, shown to the event's organizer (or an admin). The first scan of a
 * valid pass admits (its outcome: one insert, so of concurrent scans on
 * any replica exactly one admits); later ones are told why not.
 */
export async function scanPass(code: string, user: UserPayload, adminEmails: readonly string[], keys: PassKeys): Promise<{ admitted: true; pass: PassJSON }> {
  const passId = keys.verify(code);
  const pass = passId ? await Pass.findById(passId) : null;
  // A code of ours for a pass since replaced would name a pass with another code: a copy, not a pass.
  if (!pass || pass.code !== code) throw new FieldError(INVALID_PASS, 'code');
  if (!(await mayAdmit(pass, user, adminEmails))) throw new NotAuthorizedError();
  if (pass.status === PassStatus.Used) throw new PassConflictError(PASS_USED);
  if (pass.status === PassStatus.Void) throw new PassConflictError(PASS_VOID);
  const decided = await decide(String(pass._id), { outcome: Outcome.Admitted });
  if (!decided.won) throw new PassConflictError(decided.earlier.outcome === Outcome.Admitted ? PASS_USED : PASS_VOID);
  await settle(String(pass._id), Outcome.Admitted);
  return { admitted: true, pass: { ...passJSON(pass), status: PassStatus.Used } };
}

/** user:created — the replica of users gains one (insert-if-absent: redeliveries change nothing). */
export async function recordUser(id: string, email: string): Promise<void> {
  try {
    await User.create({ _id: id, email });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}
