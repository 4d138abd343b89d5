// The relay's promises under any interleaving fast-check's scheduler picks:
// concurrent staging writes of a few records, broker acks in any order,
// publishes that fail, and a crash of the relay at any point (another relay
// takes over, as a restarted process would). Against the real database.
import fc from 'fast-check';
import mongoose from 'mongoose';
import { EventBus } from '../bus/event-bus';
import { noInstrumentation } from '../bus/instrumentation';
import { EventEnvelope, Subjects } from '../events';
import { gateDatabaseCalls, TaskScheduler, useTestDatabase } from '../testing';
import { OutboxRelay } from './outbox-relay';
import { outboxPlugin, saveWithEvent, WithOutbox } from './outbox';

const RUNS = Number(process.env.PROPERTY_RUNS || 100);
const RECORDS = 3;

interface Gig extends WithOutbox {
  n: number;
}
const Gig = mongoose.model<Gig>(
  'RelayPropertyGig',
  new mongoose.Schema<Gig>({ n: { type: Number, default: 0 } }, { optimisticConcurrency: true }).plugin(outboxPlugin),
);

/** The broker: what it stored, in the order it acked; publish number i fails when the plan says so. */
class Broker {
  readonly published: EventEnvelope[] = [];
  private calls = 0;
  constructor(
    private readonly s: TaskScheduler,
    private readonly failures: boolean[],
  ) {}

  /** A connection of one relay; a crashed relay's connection fails everything from then on. */
  connect(): EventBus & { dead: boolean } {
    const connection = {
      dead: false,
      instrumentation: noInstrumentation,
      publish: async (envelope: EventEnvelope) => {
        const fails = this.failures[this.calls++] ?? false;
        await this.s.schedule(Promise.resolve(), `publish ${(envelope.data as { version: number }).version}${fails ? ' (fails)' : ''}`);
        if (connection.dead || fails) throw new Error('broker unavailable');
        this.published.push(envelope);
      },
      subscribe: async () => undefined,
      isConnected: () => true,
      close: async () => undefined,
    };
    return connection;
  }
}

useTestDatabase();
const gate = gateDatabaseCalls([Gig]);
afterAll(() => gate.restore());

const scenario = fc.record({
  /** The record each staging write is about. */
  writes: fc.array(fc.nat({ max: RECORDS - 1 }), { minLength: 1, maxLength: 7 }),
  /** Which publishes fail (the n-th call fails when true). */
  failures: fc.array(fc.boolean(), { maxLength: 8 }),
  /** The relay crashes (at a point the scheduler picks) and a new one starts. */
  crash: fc.boolean(),
});

const relayOptions = { maxBackoffMs: 20, publishWaitMs: 20, concurrency: 2 };

describe('OutboxRelay under concurrent writes, broker failures and crashes', () => {
  it(
    'publishes every entry at least once, each record\'s in order, and removes them all once published',
    async () => {
      await fc.assert(
        fc.asyncProperty(scenario, fc.scheduler(), async ({ writes, failures, crash }, s) => {
          await Gig.deleteMany({});
          const gigs = await Gig.insertMany(Array.from({ length: RECORDS }, () => ({ n: 0 })));
          const ids = gigs.map((g) => g.id as string);
          const broker = new Broker(s, failures);
          const firstBus = broker.connect();
          const first = new OutboxRelay(firstBus, [Gig], { ...relayOptions, pollIntervalMs: 60000 });
          let live = first;
          first.start();
          /** The entries staged, by record, in the order of their versions. */
          const staged = new Map<string, string[]>(ids.map((id) => [id, []]));

          try {
            gate.start(s);
            const work = Promise.all([
              ...writes.map(async (r, i) => {
                await s.schedule(Promise.resolve(), `write ${i} of record ${r}`);
                for (;;) {
                  const gig = (await Gig.findById(ids[r]))!;
                  gig.n += 1;
                  try {
                    const saved = await saveWithEvent(gig, Subjects.TicketUpdated, { id: gig.id, version: gig.n, title: 't', price: 1, userId: 'u' });
                    staged.get(gig.id)![gig.n - 1] = saved.outbox[saved.outbox.length - 1].id;
                    return;
                  } catch (err) {
                    if (!(err instanceof mongoose.Error.VersionError)) throw err;
                  }
                }
              }),
              crash
                ? s.schedule(Promise.resolve(), 'crash').then(() => {
                    // Whatever it had in hand is left as it was: the next relay finds it by the marker.
                    firstBus.dead = true;
                    void first.stop();
                    live = new OutboxRelay(broker.connect(), [Gig], { ...relayOptions, pollIntervalMs: 20 });
                    live.start();
                  })
                : Promise.resolve(),
            ]);
            try {
              await s.waitFor(work);
            } finally {
              gate.stop();
            }
            // Whatever the relays are in the middle of, a record with entries left carries the marker the recovery scan reads.
            for (const stored of await Gig.collection.find({}).toArray()) {
              if (stored.outbox.length) expect(stored).toMatchObject({ outboxPending: true });
            }
            // The broker is back (the failure plan is spent): what the live relay does not publish by itself, its scan does.
            // (A flush rejects on a failed publish: each failure of the plan costs at most one.)
            for (let attempt = 0; ; attempt++) {
              try {
                await s.waitFor(live.flush());
                break;
              } catch (err) {
                if (attempt > failures.length) throw err;
              }
            }
          } finally {
            // What the relays still have in hand is the scheduler's to release.
            await s.waitFor(Promise.all([first.stop(), live.stop()]));
          }

          const publishedIds = new Set(broker.published.map((e) => e.id));
          for (const id of ids) {
            const entries = staged.get(id)!;
            // At least once.
            for (const entry of entries) expect(publishedIds).toContain(entry);
            // In order: the first publish of each entry of the record follows its version.
            const firsts = [...new Set(broker.published.filter((e) => (e.data as { id: string }).id === id).map((e) => e.id))];
            expect(firsts).toEqual(entries);
            // Removed, and the marker with them.
            const stored = (await Gig.collection.findOne({ _id: new mongoose.Types.ObjectId(id) }))!;
            expect(stored.outbox).toEqual([]);
            expect(stored).not.toHaveProperty('outboxPending');
          }
        }),
        { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
      );
    },
    10 * 60 * 1000,
  );
});
