// Starts a system under test exactly as `npm start` does (scripts/system.js),
// but beside a developer's `npm start` and the other e2e suite: its own
// gateway and service ports, its own infrastructure instance (infra.sh with
// its own TICKETING_LOCAL_DIR and shifted ports, so no broker queue group,
// Redis queue or database is shared with another running system), fresh data
// on each start, database names unique to the run, one run at a time (a lock).
import path from 'path';

const system = require('../../../scripts/system.js');

export type EventBusName = 'stan' | 'jetstream';

export interface RunningSystem {
  url: string;
  eventBus: EventBusName;
  /** The Zipkin UI when the system runs with tracing. */
  zipkinUrl?: string;
  /** Mailpit's page and API (/api/v1/messages): the mail the notifications service sent. */
  mailpitUrl: string;
  logDir: string;
  startedInMs: number;
  /** The parts now: a part that died and was started again has a new pid and a restart count. */
  processes: Array<{ name: string; pid: number; port: number; restarts?: number }>;
  stop(): Promise<void>;
}

export interface TestSystem {
  system: RunningSystem;
  /** The gateway: pages at /, the API at /api. */
  url: string;
  /** The last lines the services wrote, formatted: shown when a test fails. */
  recentLogs(n?: number): string;
  /** The MongoDB URI of a service's database in this run (for checks the API cannot make). */
  mongoUri(service: string): string;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  /** Tag of the log lines and of the run lock. */
  name: string;
  eventBus: EventBusName;
  expirationWindowSeconds: number;
  localDir: string;
  gatewayPort: number;
  /** Services listen on portBase + n. */
  portBase: number;
  /** Infrastructure ports are the defaults shifted by this much. */
  infraPortOffset: number;
  client: boolean | 'auto';
  /** Start Zipkin and trace every service (default off: only the telemetry tests pay for it;
   *  E2E_TRACING=1 turns it on for every suite, to see that tracing changes no behaviour). */
  tracing?: boolean;
  /** Settings for the services on top of the defaults (e.g. limits a test must not run into). */
  env?: Record<string, string>;
}

export const REPO: string = system.REPO;

const infraPorts = (offset: number) => ({
  mongo: 27017 + offset,
  stan: 4222 + offset,
  stanMonitor: 8222 + offset,
  jetstream: 4223 + offset,
  jetstreamMonitor: 8223 + offset,
  redis: 6379 + offset,
  stripe: 12111 + offset,
  stripeHttps: 12112 + offset,
  zipkin: 9411 + offset,
  mailpitSmtp: 1025 + offset,
  mailpitUi: 8025 + offset,
});

const print = (line: string) => process.stdout.write(`${line}\n`);

export async function startTestSystem(options: TestSystemOptions): Promise<TestSystem> {
  const tag = `[${options.name} ${options.eventBus}]`;
  const releaseRunLock: () => void = await system.acquireLock(
    path.join(options.localDir, 'run', `${options.name}.lock`),
    (l: string) => print(`${tag} ${l}`),
    options.name,
  );
  const t0 = Date.now();
  const recent: string[] = [];
  const runId = `${options.name.replace(/\W/g, '')}${Date.now().toString(36)}`;
  let running: RunningSystem;
  try {
    running = await system.startSystem({
      eventBus: options.eventBus,
      expirationWindowSeconds: options.expirationWindowSeconds,
      gatewayPort: options.gatewayPort,
      portBase: options.portBase,
      infra: { localDir: options.localDir, ports: infraPorts(options.infraPortOffset), resetData: true },
      dbSuffix: `_${runId}`,
      runId,
      client: options.client,
      tracing: options.tracing ?? /^(1|on|true|yes)$/i.test(process.env.E2E_TRACING || ''),
      // The test process's own environment (NODE_ENV=test, a unit-test
      // MONGO_URI, a Stripe publishable key...) is not the system's.
      env: { ...systemEnv(), ...options.env },
      log: (line: string) => {
        print(`${tag} ${line}`);
        // The runner's own warnings (a part died, restarted) belong with the services' lines.
        if (line.startsWith('! ') || line.startsWith('↻ ')) recent.push(`[runner] ${line}`);
      },
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
    url: running.url,
    recentLogs: (n = 80) => recent.slice(-n).join('\n'),
    mongoUri: (service: string) => `mongodb://127.0.0.1:${infraPorts(options.infraPortOffset).mongo}/${service}_${runId}`,
    stop: async () => {
      try {
        await running.stop();
        print(`${tag} ${((Date.now() - t0) / 1000).toFixed(1)}s from start to stopped`);
      } finally {
        releaseRunLock();
      }
    },
  };
}

function systemEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const ours =
    /^(NODE_ENV|PORT|MONGO_URI|JWT_KEY|JWT_TTL_SECONDS|COOKIE_SECURE|EVENT_.*|NATS_.*|REDIS_.*|STRIPE_.*|EXPIRATION_.*|SMTP_URL|PUBLIC_URL|MAILPIT_.*|GATEWAY_PORT|SERVICE_PORT_BASE|TICKETING_.*|.*_PORT|API_.*|NEXT_PUBLIC_.*|JEST_WORKER_ID)$/;
  for (const k of Object.keys(env)) if (ours.test(k)) delete env[k];
  return env;
}
