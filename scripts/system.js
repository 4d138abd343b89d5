'use strict';
// The whole system on one machine, as one function: used by `npm start`
// (scripts/start.js) and by the system test (e2e/src/system), so the test
// starts exactly what a developer starts.
//
//   const { startSystem } = require('./scripts/system');
//   const system = await startSystem({ eventBus: 'jetstream', gatewayPort: 8080 });
//   ... system.url ...
//   await system.stop();
//
// Steps: free ports? → infrastructure (scripts/infra.sh install + start, under
// a lease so stop() only stops what this run started) → compile (tsc -b) and,
// when its sources changed, `next build` → gateway (nginx, its config
// generated from the ingress manifest: scripts/nginx-gateway.js) → services and client as child processes → every
// /readyz answers 200 → a request through the gateway. Any failure names the
// part with the tail of its log, stops everything started, and rejects.
const { spawn } = require('child_process');
const { randomBytes } = require('crypto');
const fs = require('fs');
const net = require('net');
const path = require('path');
const readline = require('readline');

const REPO = path.resolve(__dirname, '..');
const INFRA_SH = path.join(REPO, 'scripts', 'infra.sh');

/** Port = portBase + offset. `backend` is the Kubernetes Service the ingress names. */
const SERVICES = [
  { name: 'auth', offset: 1, backend: 'auth-srv' },
  { name: 'tickets', offset: 2, backend: 'tickets-srv' },
  { name: 'orders', offset: 3, backend: 'orders-srv' },
  { name: 'payments', offset: 4, backend: 'payments-srv' },
  { name: 'expiration', offset: 5 },
  { name: 'events', offset: 6, backend: 'events-srv' },
  { name: 'notifications', offset: 7, backend: 'notifications-srv' },
];
const CLIENT = { name: 'client', offset: 0, backend: 'client-srv' };

// infra.sh reads these variables; the services get the same ports.
const INFRA_PORTS = {
  mongo: ['MONGO_PORT', 27017],
  stan: ['STAN_PORT', 4222],
  stanMonitor: ['STAN_MONITOR_PORT', 8222],
  jetstream: ['JETSTREAM_PORT', 4223],
  jetstreamMonitor: ['JETSTREAM_MONITOR_PORT', 8223],
  redis: ['REDIS_PORT', 6379],
  stripe: ['STRIPE_MOCK_PORT', 12111],
  stripeHttps: ['STRIPE_MOCK_HTTPS_PORT', 12112],
  zipkin: ['ZIPKIN_PORT', 9411],
  mailpitSmtp: ['MAILPIT_SMTP_PORT', 1025],
  mailpitUi: ['MAILPIT_UI_PORT', 8025],
};

const STOP_GRACE_MS = 15000;
// A part that dies is started again after 1 s, 2 s, 4 s ... at most 30 s; the
// count starts over once it has stayed up a minute (CrashLoopBackOff, shorter).
const RESTART_BACKOFF_MS = Number(process.env.TICKETING_RESTART_BACKOFF_MS || 1000);
const RESTART_BACKOFF_MAX_MS = 30000;
const RESTART_RESET_MS = 60000;
const LOG_TAIL_LINES = 30;
const QUIET_MS = 15000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A sleep that does not keep the process alive (for races against an exit). */
const idle = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const seconds = (ms) => `${(ms / 1000).toFixed(1)}s`;
const exists = (p) => fs.existsSync(p);

class StartError extends Error {}

function abortError() {
  const err = new StartError('start aborted');
  err.aborted = true;
  return err;
}

// --------------------------------------------------------------- logging --
const LEVELS = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const SKIP_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'req', 'res', 'responseTime', 'requestId', 'reqId', 'err', 'v']);
const NAME_WIDTH = 11;

/** One readable line from a pino JSON line (anything else is shown as is). */
function formatLine(name, line, { color = false } = {}) {
  const label = name.padEnd(NAME_WIDTH);
  const paint = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const head = paint(NAME_COLORS[name] || 36, `${label}│`);
  let o;
  if (line.startsWith('{')) {
    try {
      o = JSON.parse(line);
    } catch {
      o = undefined;
    }
  }
  if (!o || typeof o !== 'object' || typeof o.level !== 'number') return `${head} ${line}`;
  const t = new Date(o.time || Date.now());
  const time = `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}:${String(t.getSeconds()).padStart(2, '0')}.${String(t.getMilliseconds()).padStart(3, '0')}`;
  const level = LEVELS[o.level] || String(o.level);
  const levelText = color ? paint(o.level >= 50 ? 31 : o.level >= 40 ? 33 : 2, level.padEnd(5)) : level.padEnd(5);
  let msg = o.msg || '';
  if (o.req && o.res) msg = `${o.req.method} ${o.req.url} → ${o.res.statusCode} ${o.responseTime ?? '?'}ms`;
  const extras = Object.keys(o)
    .filter((k) => !SKIP_KEYS.has(k))
    .map((k) => `${k}=${typeof o[k] === 'object' ? JSON.stringify(o[k]) : o[k]}`);
  if (o.err) {
    const e = o.err;
    extras.push(`err=${e.type || 'Error'}: ${e.message}`);
    if (o.level >= 50 && e.stack) extras.push(`\n${String(e.stack).split('\n').slice(1, 4).join('\n')}`);
  }
  const text = `${msg}${extras.length ? ` ${extras.join(' ')}` : ''}`.replace(/\n/g, `\n${head}   `);
  return `${head} ${paint(2, time)} ${levelText} ${text}`;
}
const NAME_COLORS = { auth: 32, tickets: 33, orders: 34, payments: 35, expiration: 36, events: 92, notifications: 93, client: 96, gateway: 94 };

// ------------------------------------------------------------- processes --
/** Runs a command to completion, streaming its lines; rejects on a non-zero exit. */
function runCommand(cmd, args, { cwd = REPO, env = process.env, onLine = () => {}, onQuiet, signal, killable = true, name = cmd } = {}) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const tail = [];
    let lastOutput = Date.now();
    // A long silent step (a cold tsc -b, a Go build) still says it is alive.
    const quiet = onQuiet
      ? setInterval(() => {
          if (Date.now() - lastOutput >= QUIET_MS) {
            lastOutput = Date.now();
            onQuiet(`… ${name} still running (${seconds(Date.now() - started)})`);
          }
        }, 1000)
      : undefined;
    const take = (line) => {
      lastOutput = Date.now();
      tail.push(line);
      if (tail.length > LOG_TAIL_LINES) tail.shift();
      onLine(line);
    };
    readline.createInterface({ input: child.stdout }).on('line', take);
    readline.createInterface({ input: child.stderr }).on('line', take);
    const onAbort = () => {
      if (killable) killGroup(child.pid, 'SIGTERM');
    };
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => reject(new StartError(`${name}: ${err.message}`)));
    child.on('close', (code, sig) => {
      if (quiet) clearInterval(quiet);
      if (signal) signal.removeEventListener('abort', onAbort);
      if (signal && signal.aborted && killable) return reject(abortError());
      if (code === 0) return resolve(tail);
      const err = new StartError(`${name} failed (${sig || `exit code ${code}`})`);
      err.tail = tail;
      reject(err);
    });
  });
}

function killGroup(pid, sig) {
  if (!pid) return false;
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Is something already listening on this port (any interface)? */
function portInUse(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (err) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    srv.listen(port, () => srv.close(() => resolve(false)));
  });
}

async function httpStatus(url, timeoutMs = 2000) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = await res.text();
    return { status: res.status, body };
  } catch (err) {
    return { status: 0, body: String((err.cause && err.cause.code) || err.message) };
  }
}

// ----------------------------------------------------------------- locks --
/**
 * A cross-process lock (mkdir is atomic; a lock whose holder died is taken
 * over). Resolves to its release function.
 */
async function acquireLock(dir, log = () => {}, what = 'lock') {
  let told = false;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8'));
      } catch {
        /* being created */
      }
      let age;
      try {
        age = Date.now() - fs.statSync(dir).mtimeMs;
      } catch {
        continue;
      }
      const known = Number.isInteger(holder) && holder > 0;
      if ((known && !pidAlive(holder)) || (!known && age > 10000)) {
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      if (!told) {
        log(`  waiting for another run's ${what} (pid ${holder}) ...`);
        told = true;
      }
      await sleep(500);
    }
  }
}

/** Runs fn holding the lock, so concurrent runs do not build into the same folders at once. */
async function withLock(dir, fn, log, what) {
  const release = await acquireLock(dir, log, what);
  try {
    return await fn();
  } finally {
    release();
  }
}

// ----------------------------------------------------------------- build --
function newestMtime(dir, skip) {
  let newest = 0;
  let newestFile = '';
  const walk = (d) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const m = fs.statSync(p).mtimeMs;
        if (m > newest) {
          newest = m;
          newestFile = p;
        }
      }
    }
  };
  walk(dir);
  return { mtime: newest, file: newestFile };
}

const CLIENT_DIR = path.join(REPO, 'client');

function clientHasPages() {
  const pages = path.join(CLIENT_DIR, 'pages');
  return exists(path.join(CLIENT_DIR, 'package.json')) && ['index.tsx', 'index.ts', 'index.jsx', 'index.js'].some((f) => exists(path.join(pages, f)));
}

/** Why the client needs `next build`, or null when .next is newer than every source. */
function clientBuildReason() {
  const buildId = path.join(CLIENT_DIR, '.next', 'BUILD_ID');
  if (!exists(buildId)) return 'no build yet';
  const built = fs.statSync(buildId).mtimeMs;
  const { mtime, file } = newestMtime(CLIENT_DIR, new Set(['node_modules', '.next', 'next-env.d.ts', '.turbo', 'README.md']));
  if (mtime > built) return `${path.relative(CLIENT_DIR, file)} changed`;
  return null;
}

function nextBin() {
  return require.resolve('next/dist/bin/next', { paths: [CLIENT_DIR] });
}

// ----------------------------------------------------------- the system --
/**
 * Starts infrastructure, services, client and gateway; resolves when all are
 * ready. Options (all optional):
 *   eventBus                'stan' | 'jetstream'   (default: env EVENT_BUS or 'stan')
 *   expirationWindowSeconds lock length            (default: env EXPIRATION_WINDOW_SECONDS or the service default)
 *   eventAckWaitMs          redelivery delay       (default: env EVENT_ACK_WAIT_MS)
 *   gatewayPort             default env GATEWAY_PORT or 8080
 *   portBase                client = base, auth = base+1 ... expiration = base+5, events = base+6, notifications = base+7 (default env SERVICE_PORT_BASE or 3000)
 *   dev                     ts-node-dev --respawn and `next dev` instead of compiled code
 *   tracing                 start Zipkin and send every service's spans to it (default: true
 *                           unless env TICKETING_TRACING is 0/off); false sets OTEL_SDK_DISABLED
 *   client                  true | false | 'auto' (default: 'auto' = skip with a warning when client/ has no pages yet)
 *   infra                   { localDir, ports: { mongo, stan, jetstream, redis, stripe, ... }, resetData }
 *                           a separate infra.sh instance (TICKETING_LOCAL_DIR + ports); resetData wipes its
 *                           data when none of it is running (clean state for tests)
 *   dbSuffix                appended to every database name (tests: unique per run)
 *   runId                   names this run's NATS clients (default: random)
 *   log(line)               progress lines (default console.log)
 *   output(name, rawLine)   each line a service writes (default: log(formatLine(name, rawLine)))
 *   signal                  AbortSignal: abort while starting → everything started is stopped, rejects (err.aborted)
 *   readyTimeoutMs          per part (default 60000)
 *   env                     base environment for the children (default process.env)
 * Resolves { url, gatewayPort, ports, logDir, stop(), processes }.
 */
async function startSystem(options = {}) {
  const t0 = Date.now();
  const baseEnv = options.env || process.env;
  const log = options.log || ((line) => console.log(line));
  const output = options.output || ((name, line) => log(formatLine(name, line)));
  const signal = options.signal;
  const dev = !!options.dev;
  const eventBus = options.eventBus || baseEnv.EVENT_BUS || 'stan';
  if (eventBus !== 'stan' && eventBus !== 'jetstream') throw new StartError(`EVENT_BUS must be stan or jetstream (got ${eventBus})`);
  const gatewayPort = Number(options.gatewayPort || baseEnv.GATEWAY_PORT || 8080);
  const portBase = Number(options.portBase || baseEnv.SERVICE_PORT_BASE || 3000);
  const runId = options.runId || randomBytes(3).toString('hex');
  const dbSuffix = options.dbSuffix || '';
  const readyTimeoutMs = options.readyTimeoutMs || 60000;
  const expirationWindow = options.expirationWindowSeconds ?? baseEnv.EXPIRATION_WINDOW_SECONDS;
  const ackWait = options.eventAckWaitMs ?? baseEnv.EVENT_ACK_WAIT_MS;

  const infraOpt = options.infra || {};
  const localDir = path.resolve(infraOpt.localDir || baseEnv.TICKETING_LOCAL_DIR || path.join(REPO, '.local'));
  const logDir = path.join(localDir, 'logs');
  const runDir = path.join(localDir, 'run');
  const ports = {};
  const infraEnv = { ...baseEnv, TICKETING_LOCAL_DIR: localDir };
  for (const [key, [envName, fallback]] of Object.entries(INFRA_PORTS)) {
    ports[key] = Number((infraOpt.ports && infraOpt.ports[key]) || baseEnv[envName] || fallback);
    infraEnv[envName] = String(ports[key]);
  }
  const tracing = options.tracing ?? !/^(0|off|false|no)$/i.test(baseEnv.TICKETING_TRACING || '');
  // Mailpit: the SMTP server the notifications service sends to, with a page to read the mail.
  const components = ['mongo', eventBus, 'redis', 'stripe', 'mailpit', ...(tracing ? ['zipkin'] : [])];
  const zipkinUrl = tracing ? `http://127.0.0.1:${ports.zipkin}/zipkin/` : undefined;
  const mailpitUrl = `http://127.0.0.1:${ports.mailpitUi}/`;
  const leaseId = String(process.pid);

  const step = (text) => log(`▸ ${text}`);
  const done = (text, since) => log(`✓ ${text} (${seconds(Date.now() - since)})`);
  const warn = (text) => log(`! ${text}`);
  const checkAbort = () => {
    if (signal && signal.aborted) throw abortError();
  };

  // What stop() has to undo.
  const procs = [];
  let gateway;
  let infraLeased = false;
  let stopping;
  const stateFile = path.join(runDir, `system-${gatewayPort}.json`);

  const writeState = () => {
    fs.mkdirSync(runDir, { recursive: true });
    const children = procs.map((p) => ({ name: p.name, pid: p.child.pid }));
    if (gateway) children.push({ name: 'gateway', pid: gateway.pid });
    const state = { runner: process.pid, lease: leaseId, localDir, children };
    fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));
  };

  const infra = (args, extraEnv = {}, opts = {}) =>
    runCommand('bash', [INFRA_SH, ...args], {
      env: { ...infraEnv, ...extraEnv },
      onLine: (line) => log(`  ${line}`),
      onQuiet: (line) => log(`  ${line}`),
      name: `infra.sh ${args[0]}`,
      ...opts,
    });

  /**
   * Restarts a part each time it exits while the system is up, after a
   * back-off that doubles from RESTART_BACKOFF_MS to RESTART_BACKOFF_MAX_MS
   * (reset once it has stayed up RESTART_RESET_MS), logging why it died.
   * Meanwhile the gateway answers 503 for it.
   */
  function superviseRestarts(p) {
    void p.exitPromise.then(async (exit) => {
      if (stopping) return;
      const upMs = Date.now() - p.startedAt;
      p.restarts = upMs >= RESTART_RESET_MS ? 1 : (p.restarts || 0) + 1;
      const delayMs = Math.min(RESTART_BACKOFF_MAX_MS, RESTART_BACKOFF_MS * 2 ** (p.restarts - 1));
      const why = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
      warn(
        `${p.name} died (${why}) after ${seconds(upMs)} up; restarting in ${seconds(delayMs)} (restart ${p.restarts}` +
          `${p.restarts > 1 ? ' in a row' : ''}); the gateway answers 503 for it meanwhile. Last lines:\n${tailOf(p, 15)}`,
      );
      await idle(delayMs);
      if (stopping) return;
      p.launch();
      writeState();
      log(`↻ ${p.name} restarted (pid ${p.child.pid})`);
      superviseRestarts(p);
    });
  }

  async function stopProc(p) {
    if (!p.exited) {
      killGroup(p.child.pid, 'SIGTERM');
      const graceful = await Promise.race([p.exitPromise.then(() => true), idle(STOP_GRACE_MS).then(() => false)]);
      if (!graceful) {
        log(`  ${p.name} did not stop within ${STOP_GRACE_MS / 1000}s; killing it`);
        killGroup(p.child.pid, 'SIGKILL');
        await Promise.race([p.exitPromise, idle(2000)]);
      }
    }
    // Whatever the leader left behind in its process group (next's workers, ts-node-dev's child).
    if (groupAlive(p.child.pid)) {
      killGroup(p.child.pid, 'SIGTERM');
      await sleep(500);
      if (groupAlive(p.child.pid)) killGroup(p.child.pid, 'SIGKILL');
    }
    if (p.stopFollowing) p.stopFollowing();
  }

  function stop() {
    if (stopping) return stopping;
    stopping = (async () => {
      const since = Date.now();
      const client = procs.filter((p) => p.name === CLIENT.name);
      const services = procs.filter((p) => p.name !== CLIENT.name);
      await Promise.all(client.map(stopProc));
      await Promise.all(services.map(stopProc));
      if (gateway) await gateway.close();
      if (infraLeased) {
        try {
          await infra(['release', leaseId]);
        } catch (err) {
          warn(`infra release failed: ${err.message}`);
        }
      }
      try {
        fs.rmSync(stateFile, { force: true });
      } catch {
        /* ignore */
      }
      log(`✓ stopped (${seconds(Date.now() - since)})`);
    })();
    return stopping;
  }

  /** Kill (SIGKILL, no grace) — for a second Ctrl-C. */
  function kill() {
    for (const p of procs) killGroup(p.child.pid, 'SIGKILL');
    if (gateway) killGroup(gateway.pid, 'SIGKILL');
  }

  function tailOf(p, n = LOG_TAIL_LINES) {
    return p.tail
      .slice(-n)
      .map((l) => `    ${formatLine(p.name, l)}`)
      .join('\n');
  }

  async function fail(err) {
    if (!(err && err.aborted)) {
      log(`✗ ${err.message}`);
      if (err.proc) log(`  last lines of ${err.proc.name} (${path.relative(process.cwd(), err.proc.logFile) || err.proc.logFile}):\n${tailOf(err.proc)}`);
    }
    if (procs.length || gateway || infraLeased) {
      log('▸ stopping what was started ...');
      await stop();
    }
    throw err;
  }

  try {
    // 0. Leftovers of a runner that died without stopping (SIGKILL, crash).
    await reapLeftovers(stateFile, log, infraEnv);

    // 1. Ports: fail before any slow step.
    const wantClient = options.client === undefined || options.client === 'auto' ? 'auto' : !!options.client;
    const haveClient = wantClient === 'auto' ? clientHasPages() : wantClient;
    if (wantClient === 'auto' && !haveClient) warn('client/ has no pages/index yet: starting the API without the client');
    const services = [];
    for (const svc of SERVICES) {
      const dir = path.join(REPO, svc.name);
      if (!exists(path.join(dir, 'src', 'index.ts')) || !exists(path.join(dir, 'tsconfig.json'))) {
        warn(`${svc.name}/src/index.ts not found: skipping ${svc.name}`);
        continue;
      }
      services.push({ ...svc, dir, port: portBase + svc.offset });
    }
    const parts = [...services];
    if (haveClient) parts.push({ ...CLIENT, dir: CLIENT_DIR, port: portBase + CLIENT.offset });
    const busy = [];
    for (const [name, port] of [['gateway', gatewayPort], ...parts.map((p) => [p.name, p.port])]) {
      if (await portInUse(port)) busy.push(`${name} port ${port}`);
    }
    if (busy.length) {
      throw new StartError(
        `already in use: ${busy.join(', ')} — is Ticketing already running? (stop it, or move it with GATEWAY_PORT / SERVICE_PORT_BASE)`,
      );
    }
    checkAbort();

    // 2. Infrastructure.
    let since = Date.now();
    step(`infrastructure: ${components.join(', ')} (scripts/infra.sh)`);
    prepareLocalDir(localDir);
    if (infraOpt.resetData) await resetInfraData(localDir, infraEnv, log);
    await infra(['install', ...components, 'gateway'], {}, { signal });
    checkAbort();
    infraLeased = true;
    // Not killed on abort: a half-started component would be left without its lease mark.
    await infra(['start', ...components], { TICKETING_INFRA_LEASE: leaseId }, { signal, killable: false });
    done('infrastructure ready', since);
    checkAbort();

    // 3. Compile.
    since = Date.now();
    const projects = ['common', ...(dev ? [] : services.map((s) => s.name))];
    step(`compiling ${projects.join(', ')} (tsc -b)`);
    const tsc = (args) =>
      runCommand(process.execPath, [require.resolve('typescript/bin/tsc'), ...args], {
        onLine: (line) => log(`  ${line}`),
        onQuiet: (line) => log(`  ${line}`),
        signal,
        name: `tsc ${args.join(' ')}`,
      });
    await withLock(
      path.join(REPO, '.local', 'run', 'build.lock'),
      async () => {
        await tsc(['-b', ...projects]);
        // tsc -b trusts its .tsbuildinfo: an output deleted behind its back is not rebuilt.
        const lost = projects.filter((p) => !exists(path.join(REPO, p, 'dist', 'index.js')));
        if (lost.length) {
          log(`  ${lost.map((p) => `${p}/dist/index.js`).join(', ')} missing though tsc -b is up to date: rebuilding with --force`);
          await tsc(['-b', '--force', ...lost]);
        }
      },
      log,
      'build',
    );
    done('compiled', since);
    checkAbort();

    if (haveClient && !dev) {
      const reason = clientBuildReason();
      if (reason) {
        since = Date.now();
        step(`building the client: next build (${reason}; a minute or two)`);
        await withLock(
          path.join(REPO, '.local', 'run', 'build.lock'),
          async () => {
            if (!clientBuildReason()) return; // another run just built it
            await runCommand(process.execPath, [nextBin(), 'build'], {
              cwd: CLIENT_DIR,
              env: { ...baseEnv, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1' },
              onLine: (line) => line.trim() && log(`  ${formatLine('next build', line)}`),
              onQuiet: (line) => log(`  ${line}`),
              signal,
              name: 'next build',
            });
          },
          log,
          'build',
        );
        done('client built', since);
      } else log('✓ client build is up to date');
      checkAbort();
    }

    // 4. Gateway: nginx, configured from the ingress manifest.
    since = Date.now();
    const { startNginxGateway, loadIngressRoutes, describeRoutes } = require('./nginx-gateway');
    const targets = {};
    for (const p of parts) if (p.backend) targets[p.backend] = `http://127.0.0.1:${p.port}`;
    const routes = loadIngressRoutes(options.ingressFile);
    try {
      gateway = await startNginxGateway({
        routes,
        targets,
        port: gatewayPort,
        dirs: { run: runDir, logs: logDir },
        log: (line) => output('gateway', line),
      });
    } catch (err) {
      throw new StartError(`gateway: ${err.message}`);
    }
    writeState();
    log(`✓ gateway (nginx, ${path.relative(REPO, gateway.confFile) || gateway.confFile}) on :${gatewayPort}, routes from infra/k8s/ingress-srv.yaml:\n${describeRoutes(routes, targets)}`);

    // 5. Services and client.
    fs.mkdirSync(logDir, { recursive: true });
    const jwtKey = baseEnv.JWT_KEY || randomBytes(32).toString('hex');
    // The webhook checks Stripe's signature: a secret of this run's own (as
    // JWT_KEY), so an unsigned or forged event is a 400, never "not configured".
    // stripe-mock sends no events; a local `stripe listen` prints the one to pass.
    const webhookSecret = baseEnv.STRIPE_WEBHOOK_SECRET || `whsec_${randomBytes(24).toString('hex')}`;
    const natsUrl = eventBus === 'jetstream' ? `nats://127.0.0.1:${ports.jetstream}` : `nats://127.0.0.1:${ports.stan}`;
    const common = {
      ...baseEnv,
      NODE_ENV: dev ? 'development' : 'production',
      JWT_KEY: jwtKey,
      COOKIE_SECURE: baseEnv.COOKIE_SECURE || 'false',
      EVENT_BUS: eventBus,
      NATS_URL: natsUrl,
      NATS_CLUSTER_ID: 'ticketing',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(ports.redis),
      STRIPE_KEY: baseEnv.STRIPE_KEY || 'sk_test_local',
      STRIPE_API_BASE: baseEnv.STRIPE_API_BASE || `http://127.0.0.1:${ports.stripe}`,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
    };
    // Traces: the local Zipkin, or none at all (the SDK is not even started).
    // Of the shell's OTEL_* only the sampler passes (OTEL_TRACES_SAMPLER[_ARG]: e.g. a 10 % bench run).
    const keep = (k) => tracing && /^OTEL_TRACES_SAMPLER(_ARG)?$/.test(k);
    for (const k of Object.keys(common)) if (k.startsWith('OTEL_') && !keep(k)) delete common[k];
    if (tracing) common.OTEL_EXPORTER_ZIPKIN_ENDPOINT = `http://127.0.0.1:${ports.zipkin}/api/v2/spans`;
    else common.OTEL_SDK_DISABLED = 'true';
    if (expirationWindow !== undefined && expirationWindow !== '') common.EXPIRATION_WINDOW_SECONDS = String(expirationWindow);
    if (ackWait !== undefined && ackWait !== '') common.EVENT_ACK_WAIT_MS = String(ackWait);
    for (const k of ['PORT', 'SERVICE_NAME', 'MONGO_URI', 'NATS_CLIENT_ID', 'TICKETING_INFRA_LEASE']) delete common[k];

    step(`starting ${parts.map((p) => `${p.name} :${p.port}`).join(', ')}${dev ? ' (dev: reload on change)' : ''}`);
    for (const part of parts) {
      let cmd;
      let env;
      if (part.name === CLIENT.name) {
        cmd = [process.execPath, nextBin(), dev ? 'dev' : 'start', '-p', String(part.port)];
        env = {
          ...baseEnv,
          NODE_ENV: dev ? 'development' : 'production',
          PORT: String(part.port),
          API_INTERNAL_URL: `http://127.0.0.1:${gatewayPort}`,
          NEXT_TELEMETRY_DISABLED: '1',
        };
      } else {
        cmd = dev
          ? [process.execPath, require.resolve('ts-node-dev/lib/bin.js'), '--respawn', '--transpile-only', 'src/index.ts']
          : [process.execPath, path.join('dist', 'index.js')];
        if (!dev && !exists(path.join(part.dir, 'dist', 'index.js'))) throw new StartError(`${part.name}/dist/index.js missing after the build`);
        env = {
          ...common,
          PORT: String(part.port),
          SERVICE_NAME: part.name,
          MONGO_URI: `mongodb://127.0.0.1:${ports.mongo}/${part.name}${dbSuffix}`,
          NATS_CLIENT_ID: `${part.name}-${runId}`,
        };
        // The notifications service emails through the local Mailpit, with links to this gateway.
        if (part.name === 'notifications') {
          env.SMTP_URL = baseEnv.SMTP_URL || `smtp://127.0.0.1:${ports.mailpitSmtp}`;
          env.PUBLIC_URL = baseEnv.PUBLIC_URL || `http://localhost:${gatewayPort}`;
        }
      }
      procs.push(spawnPart(part, cmd, env, logDir, output));
      writeState();
    }

    // 6. Ready?
    const deadline = Date.now() + readyTimeoutMs;
    const waits = procs.map(async (p) => {
      const url = `http://127.0.0.1:${p.port}/readyz`;
      let last;
      for (;;) {
        checkAbort();
        if (p.exited) {
          const err = new StartError(`${p.name} exited while starting (${p.exited.signal || `exit code ${p.exited.code}`})`);
          err.proc = p;
          throw err;
        }
        last = await httpStatus(url);
        if (last.status === 200) {
          p.ready = true;
          log(`✓ ${p.name} ready (${seconds(Date.now() - since)})`);
          return;
        }
        if (Date.now() > deadline) {
          const err = new StartError(
            `${p.name} not ready after ${readyTimeoutMs / 1000}s (GET /readyz: ${last.status || 'no answer'} ${String(last.body).slice(0, 200)})`,
          );
          err.proc = p;
          throw err;
        }
        await sleep(250);
      }
    });
    await Promise.all(waits);

    // 7. Through the gateway, as a browser would.
    const probe = await httpStatus(`http://127.0.0.1:${gatewayPort}/api/users/currentuser`, 5000);
    if (probe.status !== 200) throw new StartError(`gateway check failed: GET /api/users/currentuser → ${probe.status} ${probe.body.slice(0, 200)}`);

    // From here on a part that dies is started again, as Kubernetes' restart
    // policy would (dev: ts-node-dev and next dev restart by themselves).
    if (!dev) for (const p of procs) superviseRestarts(p);
  } catch (err) {
    return fail(err);
  }

  const url = `http://localhost:${gatewayPort}`;
  return {
    url,
    gatewayPort,
    eventBus,
    zipkinUrl,
    mailpitUrl,
    logDir,
    startedInMs: Date.now() - t0,
    /** The parts now (a restarted part has a new pid). */
    get processes() {
      return procs.map((p) => ({ name: p.name, pid: p.child.pid, port: p.port, restarts: p.restarts }));
    },
    stop,
    kill,
  };
}

/**
 * Starts one part with its stdout and stderr going straight to its log file
 * (no pipe through this process: a service never waits for the runner, and
 * the runner does no work per line while requests are served). The runner
 * follows the file a few times a second and hands new lines to output().
 */
function spawnPart(part, cmd, env, logDir, output) {
  const logFile = path.join(logDir, `${part.name}.log`);
  let offset = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
  const p = { name: part.name, port: part.port, child: null, tail: [], logFile, exited: null, restarts: 0 };
  let partial = '';
  const onLine = (line) => {
    p.tail.push(line);
    if (p.tail.length > LOG_TAIL_LINES) p.tail.shift();
    output(part.name, line);
  };
  /** Reads what was appended since the last call (synchronous: also used right before reporting a failure). */
  p.follow = () => {
    let rfd;
    try {
      rfd = fs.openSync(logFile, 'r');
      const size = fs.fstatSync(rfd).size;
      if (size < offset) offset = 0; // truncated by hand
      if (size === offset) return;
      const buf = Buffer.alloc(Math.min(size - offset, 4 * 1024 * 1024));
      const n = fs.readSync(rfd, buf, 0, buf.length, offset);
      offset += n;
      const lines = (partial + buf.toString('utf8', 0, n)).split('\n');
      partial = lines.pop();
      for (const line of lines) onLine(line);
    } catch {
      /* the file is gone: nothing to follow */
    } finally {
      if (rfd !== undefined) fs.closeSync(rfd);
    }
  };
  const timer = setInterval(p.follow, 250);
  timer.unref();
  p.stopFollowing = () => {
    clearInterval(timer);
    p.follow();
    if (partial) onLine(partial);
    partial = '';
  };
  /** Starts (or starts again) the process; exitPromise is that run's exit. */
  p.launch = () => {
    fs.appendFileSync(logFile, `\n==== ${new Date().toISOString()} ${cmd.slice(1).join(' ')} (port ${part.port})\n`);
    // The follower starts after this header (what the last run wrote was read at its exit).
    offset = fs.statSync(logFile).size;
    const fd = fs.openSync(logFile, 'a');
    let child;
    try {
      child = spawn(cmd[0], cmd.slice(1), { cwd: part.dir, env, stdio: ['ignore', fd, fd], detached: true });
    } finally {
      fs.closeSync(fd);
    }
    p.child = child;
    p.exited = null;
    p.startedAt = Date.now();
    p.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        p.follow();
        p.exited = { code, signal };
        resolve(p.exited);
      });
      child.on('error', (err) => {
        p.tail.push(`spawn failed: ${err.message}`);
        p.exited = { code: -1, signal: null };
        resolve(p.exited);
      });
    });
  };
  p.launch();
  return p;
}

/** A separate infra.sh instance shares the installed binaries (no second build). */
function prepareLocalDir(localDir) {
  const sharedBin = path.join(REPO, '.local', 'bin');
  const bin = path.join(localDir, 'bin');
  if (path.resolve(bin) === path.resolve(sharedBin)) return;
  fs.mkdirSync(sharedBin, { recursive: true });
  fs.mkdirSync(localDir, { recursive: true });
  if (!exists(bin)) fs.symlinkSync(path.relative(localDir, sharedBin), bin);
}

/** Wipes a private infra instance's data when nothing of it runs (clean broker streams, empty databases). */
async function resetInfraData(localDir, infraEnv, log) {
  const { stdout } = await capture('bash', [INFRA_SH, 'status'], infraEnv);
  if (/\brunning\b/.test(stdout)) {
    log('  infrastructure already running: keeping its data');
    return;
  }
  fs.rmSync(path.join(localDir, 'data'), { recursive: true, force: true });
  log(`  wiped ${path.relative(REPO, path.join(localDir, 'data'))} (fresh state)`);
}

function capture(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', () => {});
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

/** A runner that died without stopping left children (and a lease): end them. */
async function reapLeftovers(stateFile, log, infraEnv) {
  let state;
  try {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    return;
  }
  if (state.runner === process.pid || pidAlive(state.runner)) return; // alive: the port check reports it
  let reaped = 0;
  for (const c of state.children || []) {
    if (!c.pid || !pidAlive(c.pid)) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${c.pid}/cmdline`, 'utf8');
    } catch {
      /* not Linux or gone */
    }
    if (cmdline && !/node|nginx/.test(cmdline)) continue; // pid reused by something else
    killGroup(c.pid, 'SIGKILL');
    reaped++;
  }
  if (reaped) log(`! stopped ${reaped} process(es) left by an earlier run that died (pid ${state.runner})`);
  if (state.lease) await capture('bash', [INFRA_SH, 'release', String(state.lease)], infraEnv).catch(() => {});
  fs.rmSync(stateFile, { force: true });
}

/**
 * Synchronous last resort for a runner that is being torn down without
 * stop() (a signal in a host that cannot await, process exit): SIGKILL the
 * children its state files name, release its infrastructure lease.
 */
function killRecordedSync(localDir, runner = process.pid) {
  const runDir = path.join(localDir, 'run');
  let files;
  try {
    files = fs.readdirSync(runDir).filter((f) => /^system-\d+\.json$/.test(f));
  } catch {
    return 0;
  }
  let killed = 0;
  for (const f of files) {
    let state;
    try {
      state = JSON.parse(fs.readFileSync(path.join(runDir, f), 'utf8'));
    } catch {
      continue;
    }
    if (state.runner !== runner) continue;
    for (const c of state.children || []) if (killGroup(c.pid, 'SIGKILL')) killed++;
    if (state.lease) {
      require('child_process').spawnSync('bash', [INFRA_SH, 'release', String(state.lease)], {
        env: { ...process.env, TICKETING_LOCAL_DIR: localDir },
        stdio: 'ignore',
      });
    }
    fs.rmSync(path.join(runDir, f), { force: true });
  }
  return killed;
}

module.exports = { startSystem, formatLine, acquireLock, killRecordedSync, SERVICES, CLIENT, StartError, REPO };
