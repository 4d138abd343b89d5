// Transfers, scans (of current and replaced codes) and voids (the order
// refunded, the event cancelled) of one order's passes, all at once, in the
// interleaving fast-check's scheduler picks down to each database call.
// After every step: at most one valid pass per seat. Over the whole run: at
// most one admission per seat, and every seat ends with exactly one pass
// that is valid or used unless its order was refunded or its event
// cancelled (then none is valid).
import fc from 'fast-check';
import { EventStatus, Subjects, UserPayload } from '@ticketing/common';
import { gateDatabaseCalls, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Event } from '../data/event';
import { Order } from '../data/order';
import { Pass, PassOutcome, PassStatus } from '../data/pass';
import { paidOrder, testPassKeys, testService } from '../test/app';
import { recordEvent } from './tickets';
import { scanPass, transferPass, voidPassesOfEvent, voidPassesOfOrder } from './passes';
import { listenersOf } from '../entry-points/listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 60);
const SEATS = 2;
const FRIENDS = ['ann@example.com', 'bo@example.com', 'cy@example.com'];

useTestDatabase();
const service = testService();
const { bus } = service;
const keys = testPassKeys();
const gate = gateDatabaseCalls([Pass, PassOutcome, Order, Event]);
beforeAll(() => listenTo(listenersOf(bus, keys), Subjects.OrderCreated, Subjects.EventCreated, Subjects.UserCreated, Subjects.PaymentCreated));
afterAll(() => gate.restore());

type Op =
  | { kind: 'transfer'; seat: number; to: number }
  | { kind: 'scan'; seat: number; pick: number }
  | { kind: 'refund' }
  | { kind: 'cancel-event' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('transfer' as const), seat: fc.integer({ min: 1, max: SEATS }), to: fc.nat(FRIENDS.length - 1) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('scan' as const), seat: fc.integer({ min: 1, max: SEATS }), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'refund' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel-event' as const }) },
);

let checkStep: () => Promise<void> = async () => undefined;
const schedulerArb = fc.scheduler({
  act: async (f) => {
    await f();
    await checkStep();
  },
});

describe('the passes of one order under concurrent transfers, scans and voids', () => {
  it(
    'never have two valid codes for a seat, never admit a seat twice, and leave each seat one pass unless voided',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 2, maxLength: 7 }), schedulerArb, async (ops, s) => {
          const order = await paidOrder(service, { quantity: SEATS });
          const friends: UserPayload[] = [];
          for (const email of FRIENDS) {
            const id = newId();
            await bus.deliver(Subjects.UserCreated, { id, email: `${id}.${email}` });
            friends.push({ id, email: `${id}.${email}` });
          }
          const emails = new Map<string, string>([[order.buyerId, 'buyer@example.com'], ...friends.map((f) => [f.id, f.email] as [string, string])]);
          const organizer: UserPayload = { id: order.organizerId, email: 'organizer@example.com' };

          // Past the gate: the driver's collection, not the model's.
          const raw = Pass.db.db!.collection(Pass.collection.collectionName);
          const broken: string[] = [];
          const admitted: Array<{ seat: number; passId: string }> = [];
          checkStep = async () => {
            const passes = await raw.find({ orderId: order.orderId }).toArray();
            for (let seat = 1; seat <= SEATS; seat += 1) {
              const valid = passes.filter((p) => p.seat.number === seat && p.status === PassStatus.Valid);
              if (valid.length > 1) broken.push(`seat ${seat}: ${valid.length} valid passes`);
            }
          };

          // Each operation decides on what it reads when it starts (through the gate, as a client would have read it).
          const run = async (op: Op) => {
            try {
              if (op.kind === 'refund') return await voidPassesOfOrder(order.orderId);
              if (op.kind === 'cancel-event') {
                await recordEvent({ ...order.event, version: 1, status: EventStatus.Cancelled });
                return await voidPassesOfEvent(order.event.id);
              }
              const ofSeat = (await Pass.find({ orderId: order.orderId }).lean()).filter((p) => p.seat.number === op.seat);
              if (op.kind === 'transfer') {
                const current = ofSeat.find((p) => p.status === PassStatus.Valid);
                if (!current) return;
                const holder = { id: current.holderId, email: emails.get(current.holderId)! };
                const to = friends[op.to];
                if (to.id === holder.id) return;
                await transferPass(String(current._id), holder, to.email, keys);
              } else {
                // Any code the seat ever had: the current one, a replaced one, a used one.
                const pass = ofSeat[op.pick % ofSeat.length];
                const result = await scanPass(pass.code, organizer, [], keys);
                admitted.push({ seat: op.seat, passId: result.pass.id });
              }
            } catch (err) {
              // 400/409: refused, as the contract allows; anything else fails the run.
              if (!(err instanceof Error) || ![400, 409].includes((err as { statusCode?: number }).statusCode ?? 0)) throw err;
            }
          };

          gate.start(s);
          try {
            await s.waitFor(Promise.all(ops.map((op) => s.schedule(Promise.resolve(op), op.kind).then(run))));
          } finally {
            gate.stop();
            checkStep = async () => undefined;
          }
          await checkStep();
          expect(broken).toEqual([]);

          for (let seat = 1; seat <= SEATS; seat += 1) {
            expect(admitted.filter((a) => a.seat === seat).length).toBeLessThanOrEqual(1);
            const passes = (await Pass.find({ orderId: order.orderId }).lean()).filter((p) => p.seat.number === seat);
            const outcomes = await PassOutcome.find({ _id: { $in: passes.map((p) => String(p._id)) } }).lean();
            expect(outcomes.filter((o) => o.outcome === 'admitted').length).toBeLessThanOrEqual(1);
            const live = passes.filter((p) => p.status !== PassStatus.Void);
            const voided = ops.some((op) => op.kind === 'refund' || op.kind === 'cancel-event');
            if (voided) expect(passes.filter((p) => p.status === PassStatus.Valid)).toEqual([]);
            else expect(live).toHaveLength(1);
            // Every admission the scans reported is the seat's used pass.
            for (const a of admitted.filter((x) => x.seat === seat)) expect(live.map((p) => String(p._id))).toContain(a.passId);
          }
        }),
        { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
      );
    },
    10 * 60 * 1000,
  );
});
