// The system under test for the browser suite, started exactly as `npm start`
// starts it (scripts/system.js), but beside a developer's `npm start` and the
// system test: its own gateway and service ports, its own infrastructure
// instance (infra.sh with TICKETING_LOCAL_DIR=.local/e2e-browser and shifted
// ports, so no broker queue group, Redis queue or database is shared with
// another running system), fresh data on each start, database names unique to
// the run. One browser suite at a time per machine (a lock: a second run waits).
import path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const system = require('../../../scripts/system.js');

export interface BrowserTestSystem {
  /** The gateway: pages at /, the API at /api. */
  url: string;
  eventBus: string;
  startedInMs: number;
  /** The last lines the services wrote (formatted): shown when a test fails. */
  recentLogs(n?: number): string;
  stop(): Promise<void>;
}

export const REPO: string = system.REPO;
const env = process.env;
const LOCAL_DIR = env.E2E_BROWSER_LOCAL_DIR || path.join(REPO, '.local', 'e2e-browser');
const GATEWAY_PORT = Number(env.E2E_BROWSER_GATEWAY_PORT || 28080);
const PORT_BASE = Number(env.E2E_BROWSER_PORT_BASE || 23000);
const INFRA_OFFSET = Number(env.E2E_BROWSER_INFRA_PORT_OFFSET || 40);
const INFRA_PORTS = {
  mongo: 27017 + INFRA_OFFSET,
  stan: 4222 + INFRA_OFFSET,
  stanMonitor: 8222 + INFRA_OFFSET,
  jetstream: 4223 + INFRA_OFFSET,
  jetstreamMonitor: 8223 + INFRA_OFFSET,
  redis: 6379 + INFRA_OFFSET,
  stripe: 12111 + INFRA_OFFSET,
  stripeHttps: 12112 + INFRA_OFFSET,
};

const print = (line: string) => process.stdout.write(`${line}\n`);

export async function startBrowserTestSystem(opts: { eventBus: string; expirationWindowSeconds: number }): Promise<BrowserTestSystem> {
  const tag = '[browser]';
  const releaseRunLock: () => void = await system.acquireLock(
    path.join(LOCAL_DIR, 'run', 'browser-test.lock'),
    (l: string) => print(`${tag} ${l}`),
    'browser test',
  );
  const recent: string[] = [];
  const runId = `br${Date.now().toString(36)}`;
  let running: { url: string; eventBus: string; startedInMs: number; stop(): Promise<void> };
  try {
    running = await system.startSystem({
      eventBus: opts.eventBus,
      expirationWindowSeconds: opts.expirationWindowSeconds,
      gatewayPort: GATEWAY_PORT,
      portBase: PORT_BASE,
      infra: { localDir: LOCAL_DIR, ports: INFRA_PORTS, resetData: true },
      dbSuffix: `_${runId}`,
      runId,
      client: true,
      // The test process's environment (NODE_ENV=test, a unit-test MONGO_URI,
      // a Stripe publishable key that would replace the test-card button...)
      // is not the system's.
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
  print(`${tag} system ready at ${running.url} in ${(running.startedInMs / 1000).toFixed(1)}s`);
  return {
    url: running.url,
    eventBus: running.eventBus,
    startedInMs: running.startedInMs,
    recentLogs: (n = 80) => recent.slice(-n).join('\n'),
    stop: async () => {
      try {
        await running.stop();
      } finally {
        releaseRunLock();
      }
    },
  };
}

function baseEnv(): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...process.env };
  const ours =
    /^(NODE_ENV|PORT|MONGO_URI|JWT_KEY|JWT_TTL_SECONDS|COOKIE_SECURE|EVENT_.*|NATS_.*|REDIS_.*|STRIPE_.*|EXPIRATION_.*|GATEWAY_PORT|SERVICE_PORT_BASE|TICKETING_.*|.*_PORT|API_.*|NEXT_PUBLIC_.*|JEST_WORKER_ID)$/;
  for (const k of Object.keys(out)) if (ours.test(k)) delete out[k];
  return out;
}
