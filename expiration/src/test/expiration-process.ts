/**
 * A stand-in for the expiration process, for the restart test: the real
 * queue, processor and order:created listener on the test Redis, with an
 * in-memory bus whose publishes are written to stdout as JSON lines.
 *
 * argv: <bull prefix> [--standby]. With --standby it loads its code and
 * waits for {"start": true} before it connects to Redis, so a test can
 * measure the restart itself rather than how long ts-node takes to boot.
 *
 * stdin commands (JSON lines): {"start": true}, {"deliver": <order:created data>}
 * stdout lines: {"type":"loaded"}, {"type":"ready"}, {"type":"acked","orderId","acked"},
 *               {"type":"published","at":<ms>,"envelope":{...}}
 */
import readline from 'node:readline';
import { EventEnvelope, OrderCreatedEvent, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo } from '@ticketing/common/testing';
import { listenersOf } from '../entry-points/listeners';
import { closeExpirationQueue, ExpirationQueue } from '../data/expiration-queue';
import { processExpirations } from '../entry-points/jobs/fire-expirations';
import { testQueue } from './queue';

const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

class StdoutBus extends InMemoryBus {
  override async publish(envelope: EventEnvelope): Promise<void> {
    await super.publish(envelope);
    emit({ type: 'published', at: Date.now(), envelope });
  }
}

interface Command {
  start?: boolean;
  deliver?: OrderCreatedEvent['data'];
}

async function main() {
  const [prefix, mode] = process.argv.slice(2);
  if (!prefix) throw new Error('usage: expiration-process <bull prefix> [--standby]');
  const bus = new StdoutBus();
  let queue: ExpirationQueue | undefined;

  const start = async () => {
    if (queue) return;
    queue = testQueue(prefix);
    await queue.isReady();
    processExpirations(queue, bus);
    await listenTo(listenersOf(bus, queue), Subjects.OrderCreated);
    emit({ type: 'ready' });
  };

  readline.createInterface({ input: process.stdin }).on('line', async (line) => {
    if (!line.trim()) return;
    const command = JSON.parse(line) as Command;
    if (command.start) await start();
    if (command.deliver) {
      const acked = await bus.deliver(Subjects.OrderCreated, command.deliver);
      emit({ type: 'acked', orderId: command.deliver.id, acked });
    }
  });
  process.on('SIGTERM', async () => {
    if (queue) await closeExpirationQueue(queue);
    process.exit(0);
  });
  emit({ type: 'loaded' });
  if (mode !== '--standby') await start();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
