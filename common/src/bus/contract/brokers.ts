import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventBus } from '../event-bus';
import { EventInstrumentation } from '../instrumentation';
import { JetStreamBus } from '../jetstream-bus';
import { StanBus } from '../stan-bus';

const repoRoot = path.resolve(__dirname, '../../../..');

/** A broker binary from the project's own install (.local/bin, or TICKETING_LOCAL_DIR's) or the PATH. */
function binary(name: string): string {
  const local = path.join(process.env.TICKETING_LOCAL_DIR || path.join(repoRoot, '.local'), 'bin', name);
  if (existsSync(local)) return local;
  const found = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], { encoding: 'utf8' });
  const p = found.stdout.trim().split('\n')[0];
  if (!p) throw new Error(`${name} is not installed: run \`bash scripts/infra.sh install\``);
  return p;
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const portOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

/**
 * A broker process of the test's own, on a free port with a file store in a
 * temp folder, so a test can stop it and start it again with its data.
 */
export class BrokerProcess {
  private child?: ChildProcess;
  private readonly dataDir = mkdtempSync(path.join(tmpdir(), 'ticketing-broker-'));
  port = 0;

  constructor(
    readonly kind: 'stan' | 'jetstream',
    readonly clusterId = 'ticketing-contract',
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** A connected bus of this broker's kind. */
  async connectBus(
    clientId: string,
    tuning: { ackWaitMs: number; maxDeliver: number; maxInFlight?: number; instrumentation?: EventInstrumentation },
  ): Promise<EventBus> {
    const bus =
      this.kind === 'stan'
        ? new StanBus({ url: this.url, clusterId: this.clusterId, clientId, ...tuning })
        : new JetStreamBus({ url: this.url, clientId, ...tuning });
    await bus.connect(15000);
    return bus;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const args =
      this.kind === 'stan'
        ? ['-cid', this.clusterId, '-a', '127.0.0.1', '-p', String(this.port), '-store', 'file', '-dir', this.dataDir]
        : ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dataDir];
    const bin = binary(this.kind === 'stan' ? 'nats-streaming-server' : 'nats-server');
    this.child = spawn(bin, args, { stdio: 'ignore' });
    const deadline = Date.now() + 15000;
    while (!(await portOpen(this.port))) {
      if (Date.now() > deadline) throw new Error(`${this.kind} broker did not start on ${this.port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // NATS Streaming answers on the port a moment before its store is ready.
    if (this.kind === 'stan') await new Promise((r) => setTimeout(r, 300));
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
