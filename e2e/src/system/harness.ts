// Starts the system under test exactly as `npm start` does (scripts/system.js)
// but beside a developer's `npm start`: its own gateway and service ports, its
// own infrastructure instance (infra.sh with TICKETING_LOCAL_DIR=.local/e2e
// and shifted ports, so no broker queue group, Redis queue or database is
// shared with anything else), fresh broker data on each start, and database
// names unique to the run. One system test at a time per machine (a lock).
import path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const system = require('../../../scripts/system.js');

export type EventBusName = 'stan' | 'jetstream';

export interface RunningSystem {
  url: string;
  eventBus: EventBusName;
  logDir: string;
  startedInMs: number;
  processes: Array<{ name: string; pid: number; port: number }>;
  stop(): Promise<void>;
}

export const REPO: string = system.REPO;
export const LOCAL_DIR = process.env.E2E_LOCAL_DIR || path.join(REPO, '.local', 'e2e');
export const GATEWAY_PORT = Number(process.env.E2E_GATEWAY_PORT || 18080);
export const PORT_BASE = Number(process.env.E2E_PORT_BASE || 13000);
const INFRA_OFFSET = Number(process.env.E2E_INFRA_PORT_OFFSET || 10);
export const INFRA_PORTS = {
  mongo: 27017 + INFRA_OFFSET,
  stan: 4222 + INFRA_OFFSET,
  stanMonitor: 8222 + INFRA_OFFSET,
  jetstream: 4223 + INFRA_OFFSET,
  jetstreamMonitor: 8223 + INFRA_OFFSET,
  redis: 6379 + INFRA_OFFSET,
  stripe: 12111 + INFRA_OFFSET,
  stripeHttps: 12112 + INFRA_OFFSET,
};

/** Which transports to run: E2E_TRANSPORTS=jetstream narrows it. */
export const TRANSPORTS: EventBusName[] = (process.env.E2E_TRANSPORTS || 'stan,jetstream')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is EventBusName => s === 'stan' || s === 'jetstream');

const print = (line: string) => process.stdout.write(`${line}\n`);

export interface TestSystem {
  system: RunningSystem;
  /** The last lines the services wrote, formatted: shown when a test fails. */
  recentLogs(n?: number): string;
  stop(): Promise<void>;
}

export async function startTestSystem(eventBus: EventBusName, expirationWindowSeconds: number): Promise<TestSystem> {
  const tag = `[system ${eventBus}]`;
  const releaseRunLock: () => void = await system.acquireLock(path.join(LOCAL_DIR, 'run', 'system-test.lock'), (l: string) => print(`${tag} ${l}`), 'system test');
  const t0 = Date.now();
  const recent: string[] = [];
  const runId = `e2e${Date.now().toString(36)}`;
  let running: RunningSystem;
  try {
    running = await system.startSystem({
      eventBus,
      expirationWindowSeconds,
      gatewayPort: GATEWAY_PORT,
      portBase: PORT_BASE,
      infra: { localDir: LOCAL_DIR, ports: INFRA_PORTS, resetData: true },
      dbSuffix: `_${runId}`,
      runId,
      // E2E_CLIENT=0: API only (no `next build`).
      client: process.env.E2E_CLIENT === '0' ? false : 'auto',
      // The test process's own environment (NODE_ENV=test, MONGO_URI of a
      // unit-test database, a STRIPE_KEY...) is not the system's.
      env: baseEnv(),
      log: (line: string) => print(`${tag} ${line}`),
      output: (name: string, line: string) => {
        recent.push(system.formatLine(name, line));
        if (recent.length > 400) recent.shift();
      },
    });
  } catch (err) {
    releaseRunLock();
    throw err;
  }
  print(`${tag} ready at ${running.url} in ${(running.startedInMs / 1000).toFixed(1)}s; logs in ${path.relative(REPO, running.logDir)}`);
  return {
    system: running,
    recentLogs: (n = 80) => recent.slice(-n).join('\n'),
    stop: async () => {
      try {
        await running.stop();
        print(`${tag} ${eventBus}: ${((Date.now() - t0) / 1000).toFixed(1)}s from start to stopped`);
      } finally {
        releaseRunLock();
      }
    },
  };
}

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const ours = /^(NODE_ENV|PORT|MONGO_URI|JWT_KEY|JWT_TTL_SECONDS|COOKIE_SECURE|EVENT_.*|NATS_.*|REDIS_.*|STRIPE_.*|EXPIRATION_.*|GATEWAY_PORT|SERVICE_PORT_BASE|TICKETING_.*|.*_PORT|API_.*|NEXT_PUBLIC_.*|JEST_WORKER_ID)$/;
  for (const k of Object.keys(env)) if (ours.test(k)) delete env[k];
  return env;
}
