#!/usr/bin/env node
'use strict';
// npm run bench [-- options]
//
// Starts the system as `npm start` does (compiled services, the client, the
// gateway) on fresh data in its own infrastructure instance, starts the floor
// (a bare Node http server answering currentuser's JSON) in the same run,
// drives the scenarios with autocannon and a small event driver, and writes
// bench/results/<time>.json and .md: a table whose ratio column divides by
// the floor (or, for queries, by the same query straight on the driver).
// A benchmark, not a test: nothing here passes or fails on a timing.
//
// Fixed ports: hold the bench lock around it: flock /tmp/ticketing-bench.lock npm run bench
//
// Options:
//   --only a,b,c        run only these scenarios (see --list); the floor runs whenever an HTTP one does
//   --skip a,b          run all but these
//   --repo DIR          the checkout whose system is started (default: this one); the bench code stays this one's
//   --label TEXT        a name for the run (file name and table title), e.g. before, after
//   --duration S        seconds per autocannon scenario (default 5)
//   --connections N     connections of the read scenarios (default 50; writes use --write-connections, 20)
//   --writers N         users editing their tickets in the "writers" scenario (default 20, one write/s each)
//   --writers-seconds S how long the writers write (default 15)
//   --probes N          idle propagation samples (default 30)
//   --scale 1000,10000  collection sizes of the "scale" scenario
//   --sustained 10,20,40   writer counts of the "sustained-writes" scenario
//   --sustained-seconds S  how long each count writes (default 60)
//   --event-bus stan|jetstream   (default stan, as npm start)
//   --no-client         API only (skips `next build` and the client)
//   --tracing on|off    trace every service into a Zipkin of the bench's own (default: as npm start, on unless TICKETING_TRACING=off);
//                       TRACES_READ_SAMPLE_RATIO=1 traces every read too (default: a tenth, as the services ship)
//   --out DIR           where results go (default bench/results)
//   --list              print the scenarios and exit
const fs = require('fs');
const os = require('os');
const path = require('path');
const { fork, execFileSync } = require('child_process');

const BENCH_DIR = __dirname;

const SCENARIOS = {
  rss: 'idle RSS per service, right after start',
  framework: "Express 4 alone and with cookie-session, answering currentuser's JSON, and nginx in front of the bare floor (the framework's and the gateway's floors)",
  currentuser: 'GET /api/users/currentuser through the gateway, signed in',
  'currentuser-direct': "the same on auth's own port",
  signin: 'POST /api/users/signin',
  list: 'GET /api/tickets (the 50 newest available)',
  show: 'GET /api/tickets/:id',
  create: 'POST /api/tickets',
  edit: 'PUT /api/tickets/:id, each connection its own ticket',
  order: 'POST /api/orders, each request a distinct ticket',
  'order-burst': '200 orders (BENCH_BURST_ORDERS), 20 in flight, each a distinct ticket: orders/s and latency',
  'order-burst-4': 'the same with 4-seat orders: 200 listings of 4 seats, each order takes all 4',
  'orders-at-once': '20 buyers (distinct users) each ordering a distinct ticket at the same moment, 10 rounds (BENCH_AT_ONCE_ROUNDS) half a second apart: p50/p99 of the 200 answers (issue 25\'s "20 buyers at once")',
  pay: '100 payments (BENCH_PAYMENTS), 20 in flight, each a distinct order (stripe-mock): payments/s and latency',
  rush: 'the on-sale rush: 200 buyers (distinct users, BENCH_RUSH_BUYERS) at once for 50 listings of 4 seats of one event, each asking 1 or 2 seats, reloading the event page and trying a listing it shows when refused, paying what they won: orders/s, p50/p99, seats sold, CPU per order per service',
  propagation: 'ticket created → in orders’ replica, idle',
  writers: 'the same while N users edit their tickets, 1 write/s each',
  'sustained-writes': 'N writers (--sustained 10,20,40) editing their own tickets in a closed loop for --sustained-seconds each, a probe listing a ticket every second and ordering it: writes/s, events/s, outbox backlog, probe lag',
  scale: 'list p50 and propagation at 1k and 10k tickets, beside the driver',
  'list@10k': 'GET /api/tickets with 10,000 tickets stored (seeded on the driver, tickets restarted), beside the same query on the driver',
  'list-event@10k': 'GET /api/tickets?eventId=…&sort=price: one event\'s 200 listings among 10,000, cheapest first, beside the same query on the driver',
  'show@10k': 'GET /api/tickets/:id with 10,000 tickets stored, beside findOne by _id on the driver',
  scan: 'the gate: one organizer scanning 1,000 distinct passes (BENCH_SCAN_PASSES; 50 paid orders of 20 seats), 20 at a time: scans/s, p50/p99, and the time from each payment to its 20 passes',
  'cancel-event': 'the buyer guarantee: an event with 12, then 200 paid orders (BENCH_CANCEL_ORDERS) is cancelled; time from the cancel’s 200 to every payment refunded (stripeRefundId) and every order refunded',
  waitlist: 'the waiting list: 200 buyers (BENCH_WAITLIST_BUYERS) wait for one seat each of 5 listings of 20 held seats; 100 seats come back in bursts of 20 (the 2 orders of 10 of one listing cancelled at once, every second): offers/s and the time from a cancel to each of its offers (p50/p99)',
  'db-floor': 'the database alone: insertOne, findOne by _id',
  restart: 'a second start of the system to ready',
};
const HTTP_SCENARIOS = ['framework', 'currentuser', 'currentuser-direct', 'signin', 'list', 'show', 'create', 'edit', 'order', 'order-burst', 'order-burst-4', 'pay', 'list@10k', 'list-event@10k', 'show@10k'];

/** The list's filter on the driver: listings with a seat free, not cancelled (tickets' availableFilter). */
const AVAILABLE = { available: { $gt: 0 }, cancelled: false };
/** The event one listing in 50 of the seeded ones is for: 200 of 10,000. */
const BENCH_EVENT_ID = '6b0000000000000000000e01';
/** A one-seat listing as the tickets service stores it (fee at the defaults: $12 → $1.70), seeded on the driver. */
function seededListing(j, at, userId) {
  const price = 12 + (j % 89);
  const fee = Math.round(price * 10 + 50) / 100;
  return {
    title: `seeded ${j}`,
    price,
    fee,
    allInPrice: Math.round((price + fee) * 100) / 100,
    userId,
    ...(j % 50 === 0 ? { eventId: BENCH_EVENT_ID } : {}),
    quantity: 1,
    split: 'any',
    holds: [],
    sales: [],
    held: 0,
    sold: 0,
    available: 1,
    cancelled: false,
    cancelledOrderIds: [],
    outbox: [],
    version: 0,
    createdAt: at,
    updatedAt: at,
  };
}

// ------------------------------------------------------------------ args --
function parseArgs(argv) {
  const o = {
    duration: 5,
    connections: 50,
    writeConnections: 20,
    writers: 20,
    writersSeconds: 15,
    probes: 30,
    scale: [1000, 10000],
    sustained: [10, 20, 40],
    sustainedSeconds: 60,
    eventBus: 'stan',
    client: 'auto',
    repo: path.resolve(BENCH_DIR, '..'),
    out: path.join(BENCH_DIR, 'results'),
    label: '',
    tracing: !/^(0|off|false|no)$/i.test(process.env.TICKETING_TRACING || ''),
    only: null,
    skip: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.includes('=') ? a.split(/=(.*)/s) : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    const list = () => value().split(',').map((s) => s.trim()).filter(Boolean);
    switch (flag) {
      case '--only': o.only = list(); break;
      case '--skip': o.skip = list(); break;
      case '--repo': o.repo = path.resolve(value()); break;
      case '--label': o.label = value(); break;
      case '--duration': o.duration = Number(value()); break;
      case '--connections': o.connections = Number(value()); break;
      case '--write-connections': o.writeConnections = Number(value()); break;
      case '--writers': o.writers = Number(value()); break;
      case '--writers-seconds': o.writersSeconds = Number(value()); break;
      case '--probes': o.probes = Number(value()); break;
      case '--scale': o.scale = list().map(Number); break;
      case '--sustained': o.sustained = list().map(Number); break;
      case '--sustained-seconds': o.sustainedSeconds = Number(value()); break;
      case '--event-bus': o.eventBus = value(); break;
      case '--no-client': o.client = false; break;
      case '--tracing': o.tracing = !/^(0|off|false|no)$/i.test(value()); break;
      case '--out': o.out = path.resolve(value()); break;
      case '--list':
        for (const [k, v] of Object.entries(SCENARIOS)) console.log(`${k.padEnd(20)} ${v}`);
        process.exit(0);
        break;
      case '-h':
      case '--help':
        {
          // The comment at the top of this file, up to the first line of code.
          const head = fs.readFileSync(__filename, 'utf8').split('\n').slice(2);
          console.log(head.slice(0, head.findIndex((l) => !l.startsWith('//'))).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
        }
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a} (--help)`);
    }
  }
  const unknown = [...(o.only || []), ...o.skip].filter((s) => !SCENARIOS[s] && s !== 'floor');
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')} (--list)`);
  o.selected = Object.keys(SCENARIOS).filter((s) => (!o.only || o.only.includes(s)) && !o.skip.includes(s));
  return o;
}

// ----------------------------------------------------------------- utils --
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const round = (x, d = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}
function summary(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: round(percentile(s, 50)), p99: round(percentile(s, 99)), max: round(s[s.length - 1]) };
}

function snapshotLoad() {
  let top = [];
  try {
    top = execFileSync('ps', ['-eo', 'pcpu,rss,args', '--sort=-pcpu'], { encoding: 'utf8' })
      .split('\n')
      .slice(1, 9)
      .map((l) => l.trim().slice(0, 140))
      .filter(Boolean);
  } catch {
    /* no ps */
  }
  return { loadavg: os.loadavg().map((x) => round(x, 2)), top };
}

function gitDescribe(repo) {
  try {
    const commit = execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const branch = execFileSync('git', ['-C', repo, 'rev-parse', '--abbrev-ref', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '';
    return { commit, branch, dirty };
  } catch {
    return {};
  }
}

/** RSS (MB) of a process group: a service is one node process, next start may add workers. */
/** The processes of a process group (nginx: its master and workers). */
function groupPids(pgid) {
  const pids = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) pids.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return pids;
}

function groupRssMb(pgid) {
  let kb = 0;
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue; // pgrp
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb += Number(m[1]);
    } catch {
      /* gone */
    }
  }
  return round(kb / 1024, 0);
}

// --------------------------------------------------------------- the API --
class Api {
  constructor(base) {
    this.base = base;
  }
  async call(method, p, { cookie, body } = {}) {
    const headers = {};
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    const setCookie = res.headers.getSetCookie ? res.headers.getSetCookie() : [];
    const session = setCookie.map((c) => c.split(';')[0]).filter((c) => c.startsWith('session='));
    return { status: res.status, body: json, cookie: session.join('; ') };
  }
  async signup(email, password = 'benchpass') {
    const r = await this.call('POST', '/api/users/signup', { body: { email, password } });
    if (r.status !== 201 || !r.cookie) throw new Error(`signup ${email}: ${r.status} ${JSON.stringify(r.body)}`);
    return { email, password, id: r.body.id, cookie: r.cookie };
  }
  /** `n` new users, `<prefix><i>-<time>@bench.dev`, signed up 10 at a time. */
  signUpMany(prefix, n) {
    const at = Date.now();
    return inBatches(n, 10, (i) => this.signup(`${prefix}${i}-${at}@bench.dev`));
  }
  async createTicket(user, title = 'bench ticket', price = 10, seats = {}) {
    const r = await this.call('POST', '/api/tickets', { cookie: user.cookie, body: { title, price, ...seats } });
    if (r.status !== 201) throw new Error(`create ticket: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }
}

async function inBatches(n, size, fn) {
  const out = [];
  for (let i = 0; i < n; i += size) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + size); j++) batch.push(fn(j));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

// ------------------------------------------------------------ autocannon --
async function cannon(opts) {
  const autocannon = require('autocannon');
  const options = { connections: 50, duration: 5, timeout: 30, ...opts };
  if (options.amount) delete options.duration; // a fixed count of requests
  // autocannon notices that a fixed count is done only at its next one-second
  // tick, so its duration is whole seconds (100 requests: 20, 16.7, 14.3 /s...):
  // a fixed count's time runs from the start to the last answer instead.
  const started = performance.now();
  let lastAnswer = started;
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(options, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', () => (lastAnswer = performance.now()));
  });
  const ok = result['2xx'];
  const seconds = options.amount ? (lastAnswer - started) / 1000 : result.duration;
  return {
    // A fixed count: what was answered over the time it took (the per-second average of a run of a few seconds is not that).
    rps: options.amount ? round(ok / Math.max(0.001, seconds), 1) : round(result.requests.average, 0),
    ok,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50: round(result.latency.p50, 1),
    p99: round(result.latency.p99, 1),
    connections: opts.connections,
    seconds: round(seconds, 2),
  };
}

/** Clock ticks per second of /proc's CPU times. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (ms, user + system) the service processes have used so far. Per
 * request it hardly depends on how busy the machine is, unlike req/s: the
 * measure for what tracing costs on a shared 2-core machine.
 */
function serviceCpuMs(processes) {
  let ticks = 0;
  for (const p of processes) {
    try {
      const stat = fs.readFileSync(`/proc/${p.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (stat fields 14, 15)
    } catch {
      /* gone */
    }
  }
  return (ticks * 1000) / CLK_TCK;
}

/** Each process's database round trips so far, by `db.collection command` (bench/db-round-trips.js writes them on SIGUSR2). */
async function roundTripsOf(dir, processes) {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGUSR2');
    } catch {
      /* gone */
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const counts = {};
  for (const p of processes) {
    try {
      counts[p.name] = JSON.parse(fs.readFileSync(path.join(dir, `${p.name}.json`), 'utf8'));
    } catch {
      counts[p.name] = {};
    }
  }
  return counts;
}

/** The round trips between two readings, per request, per service: the total and by `db.collection command`. */
function perRequest(before, after, requests) {
  const out = {};
  for (const [service, counts] of Object.entries(after)) {
    const by = {};
    let total = 0;
    for (const [key, n] of Object.entries(counts)) {
      const d = n - ((before[service] || {})[key] || 0);
      if (!d) continue;
      by[key] = round(d / Math.max(1, requests), 2);
      total += d;
    }
    out[service] = { total: round(total / Math.max(1, requests), 2), by };
  }
  return out;
}

/** A rotating pick from a pool, shared by every connection of one run. */
const picker = (pool) => {
  let i = 0;
  return () => pool[i++ % pool.length];
};

// ------------------------------------------------------------------ main --
async function main() {
  const o = parseArgs(process.argv.slice(2));
  const want = (s) => o.selected.includes(s);
  const systemJs = path.join(o.repo, 'scripts', 'system.js');
  if (!fs.existsSync(systemJs)) throw new Error(`${systemJs} not found: --repo must be a Ticketing checkout`);
  const system = require(systemJs);
  const { MongoClient, ObjectId } = require('mongodb');

  // Its own infrastructure instance and ports (not the developer's npm start,
  // not the e2e suites'), sharing the installed binaries.
  const sharedLocal = path.resolve(process.env.TICKETING_LOCAL_DIR || path.join(o.repo, '.local'));
  const localDir = path.join(sharedLocal, 'bench');
  fs.mkdirSync(localDir, { recursive: true });
  if (!fs.existsSync(path.join(localDir, 'bin')) && fs.existsSync(path.join(sharedLocal, 'bin'))) {
    fs.symlinkSync(path.join(sharedLocal, 'bin'), path.join(localDir, 'bin'));
  }
  const OFFSET = Number(process.env.BENCH_INFRA_PORT_OFFSET || 70);
  const ports = {
    mongo: 27017 + OFFSET,
    stan: 4222 + OFFSET,
    stanMonitor: 8222 + OFFSET,
    jetstream: 4223 + OFFSET,
    jetstreamMonitor: 8223 + OFFSET,
    redis: 6379 + OFFSET,
    stripe: 12111 + OFFSET,
    stripeHttps: 12112 + OFFSET,
    zipkin: 9411 + OFFSET,
  };
  // Below Linux's ephemeral range (32768-60999): a busy machine's outgoing
  // connections took 33000 as their source port and the start refused it.
  const gatewayPort = Number(process.env.BENCH_GATEWAY_PORT || 31080);
  const portBase = Number(process.env.BENCH_PORT_BASE || 31000);
  const floorPort = Number(process.env.BENCH_FLOOR_PORT || 31090);

  const startedAt = new Date();
  const results = {
    label: o.label,
    startedAt: startedAt.toISOString(),
    target: { repo: o.repo, ...gitDescribe(o.repo) },
    bench: gitDescribe(path.resolve(BENCH_DIR, '..')),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0] && os.cpus()[0].model, node: process.version, memGb: round(os.totalmem() / 2 ** 30, 1) },
    options: { ...o, selected: undefined, repo: undefined },
    // What the services' sampler keeps (common/src/telemetry/sampler.ts): every write, event and job, and this share of reads.
    sampling: o.tracing
      ? process.env.OTEL_TRACES_SAMPLER
        ? `OTEL_TRACES_SAMPLER=${process.env.OTEL_TRACES_SAMPLER}${process.env.OTEL_TRACES_SAMPLER_ARG ? ` (${process.env.OTEL_TRACES_SAMPLER_ARG})` : ''}`
        : `writes and events all, reads ${process.env.TRACES_READ_SAMPLE_RATIO || '0.1 (default)'}`
      : undefined,
    limits: Object.fromEntries(Object.keys(BENCH_LIMITS).map((k) => [k, benchEnv()[k]])),
    scenarios: o.selected,
    loadBefore: snapshotLoad(),
    results: {},
  };
  const R = results.results;
  const log = (l) => console.log(`[bench] ${l}`);

  // BENCH_DB_ROUND_TRIPS=1: every service counts its database round trips (bench/db-round-trips.js), read around each scenario.
  const roundTripsDir = /^(1|on|true|yes)$/i.test(process.env.BENCH_DB_ROUND_TRIPS || '') ? path.join(localDir, 'round-trips') : undefined;
  const startEnv = benchEnv();
  if (roundTripsDir) {
    fs.rmSync(roundTripsDir, { recursive: true, force: true });
    startEnv.BENCH_DB_ROUND_TRIPS_DIR = roundTripsDir;
    startEnv.NODE_OPTIONS = `${startEnv.NODE_OPTIONS || ''} --require ${path.join(BENCH_DIR, 'db-round-trips.js')}`.trim();
  }
  const startOpts = {
    eventBus: o.eventBus,
    gatewayPort,
    portBase,
    client: o.client,
    tracing: o.tracing,
    infra: { localDir, ports, resetData: true },
    runId: `bench${Date.now().toString(36)}`,
    env: startEnv,
    log: (l) => log(l),
    output: () => {},
  };
  log(`starting ${o.repo} (${results.target.branch || '?'} ${results.target.commit || ''}) on ${o.eventBus}; scenarios: ${o.selected.join(', ')}`);
  // Ctrl-C or a kill: stop the system (its processes live in their own groups) before going.
  let stopping;
  const onSignal = (sig) => {
    if (stopping) return;
    log(`${sig}: stopping the system`);
    stopping = Promise.resolve(sys && sys.stop()).finally(() => process.exit(130));
  };
  let sys;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  sys = await system.startSystem(startOpts);
  R.start = { firstStartMs: sys.startedInMs };
  const floorProc = fork(path.join(BENCH_DIR, 'floor.js'), [String(floorPort)], { stdio: 'ignore' });
  const mongo = new MongoClient(`mongodb://127.0.0.1:${ports.mongo}/`, { maxPoolSize: 20 });
  try {
    await new Promise((resolve, reject) => {
      floorProc.once('message', resolve);
      floorProc.once('exit', (code) => reject(new Error(`floor exited (${code})`)));
    });
    await mongo.connect();
    const ticketsDb = mongo.db('tickets');
    const ordersDb = mongo.db('orders');
    const paymentsDb = mongo.db('payments');
    const notificationsDb = mongo.db('notifications');
    const gw = `http://127.0.0.1:${gatewayPort}`;
    const api = new Api(gw);
    const auth = sys.processes.find((p) => p.name === 'auth');

    if (want('rss')) {
      await sleep(3000);
      R.rss = {};
      for (const p of sys.processes) R.rss[p.name] = groupRssMb(p.pid);
      log(`idle RSS (MB): ${JSON.stringify(R.rss)}`);
    }

    const seller = await api.signup(`seller-${Date.now()}@bench.dev`);
    const buyer = await api.signup(`buyer-${Date.now()}@bench.dev`);
    const dur = o.duration;
    const C = o.connections;
    const W = o.writeConnections;
    /** The database server's process (FerretDB here), for its CPU beside the services'. */
    const database = () => {
      try {
        return [{ pid: Number(fs.readFileSync(path.join(localDir, 'run', 'mongo.pid'), 'utf8').trim()) }];
      } catch {
        return [];
      }
    };
    /** The infrastructure's processes (broker, Redis, stripe-mock, Zipkin, the gateway's nginx), for their CPU beside the services'. */
    const infrastructure = () => {
      const found = [];
      for (const name of ['stan', 'jetstream', 'redis', 'stripe', 'zipkin']) {
        try {
          found.push({ name, pid: Number(fs.readFileSync(path.join(localDir, 'run', `${name}.pid`), 'utf8').trim()) });
        } catch {
          /* not running */
        }
      }
      try {
        const master = execFileSync('pgrep', ['-f', `gateway-${gatewayPort}.conf`], { encoding: 'utf8' }).trim().split('\n').map(Number)[0];
        if (master) for (const pid of groupPids(master)) found.push({ name: 'gateway', pid });
      } catch {
        /* no nginx */
      }
      return found;
    };
    const run = async (name, opts) => {
      log(`${name} ...`);
      // The floor's row: the floor's own CPU.
      // Now, not at start: a restarted service has a new pid.
      const measured = name === 'floor' ? [floorProc] : sys.processes.filter((p) => p.name !== 'client');
      const cpuBefore = serviceCpuMs(measured);
      const cpuBeforeBy = measured.map((p) => serviceCpuMs([p]));
      const infra = name === 'floor' ? [] : infrastructure();
      const infraBefore = infra.map((p) => serviceCpuMs([p]));
      const dbCpuBefore = serviceCpuMs(database());
      const tripsBefore = roundTripsDir && name !== 'floor' ? await roundTripsOf(roundTripsDir, measured) : undefined;
      const r = await cannon(opts);
      // The events a request caused are handled after its answer: let them finish.
      if (name !== 'floor') await sleep(1500);
      r.serviceCpuMsPerRequest = round((serviceCpuMs(measured) - cpuBefore) / Math.max(1, r.ok), 3);
      if (name !== 'floor') {
        // Each service's share, to see which one a change moved.
        r.serviceCpuMsPerRequestBy = Object.fromEntries(measured.map((p, i) => [p.name, round((serviceCpuMs([p]) - cpuBeforeBy[i]) / Math.max(1, r.ok), 2)]));
        const infraMs = {};
        infra.forEach((p, i) => (infraMs[p.name] = (infraMs[p.name] || 0) + (serviceCpuMs([p]) - infraBefore[i]) / Math.max(1, r.ok)));
        r.infrastructureCpuMsPerRequest = Object.fromEntries(Object.entries(infraMs).map(([k, v]) => [k, round(v, 2)]));
      }
      if (name !== 'floor') r.databaseCpuMsPerRequest = round((serviceCpuMs(database()) - dbCpuBefore) / Math.max(1, r.ok), 3);
      if (tripsBefore) {
        const after = await roundTripsOf(roundTripsDir, measured);
        r.dbRoundTripsPerRequestBy = perRequest(tripsBefore, after, r.ok);
        log(`${name}: database round trips per request ${JSON.stringify(Object.fromEntries(Object.entries(r.dbRoundTripsPerRequestBy).map(([k, v]) => [k, v.total])))}`);
        for (const [service, by] of Object.entries(r.dbRoundTripsPerRequestBy)) if (by.total) log(`${name}:   ${service} ${JSON.stringify(by.by)}`);
      }
      R[name] = r;
      log(`${name}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}, service CPU ${r.serviceCpuMsPerRequest ?? '–'} ms/request, database CPU ${r.databaseCpuMsPerRequest ?? '–'} ms/request`);
      if (r.serviceCpuMsPerRequestBy) log(`${name}: CPU ms/request by service ${JSON.stringify(r.serviceCpuMsPerRequestBy)}, infrastructure ${JSON.stringify(r.infrastructureCpuMsPerRequest)}`);
      return r;
    };

    if (o.selected.some((s) => HTTP_SCENARIOS.includes(s))) {
      await run('floor', { url: `http://127.0.0.1:${floorPort}/api/users/currentuser`, connections: C, duration: dur });
    }
    if (want('framework')) {
      // Each in its own process, like the floor, started only for its row; its CPU per request is its own.
      for (const [name, kind] of [
        ['framework-express', 'express'],
        ['framework-session', 'express-session'],
      ]) {
        const proc = fork(path.join(BENCH_DIR, 'floor.js'), [String(floorPort + 1), kind], { stdio: 'ignore' });
        try {
          await new Promise((resolve, reject) => {
            proc.once('message', resolve);
            proc.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
          });
          log(`${name} ...`);
          const cpuBefore = serviceCpuMs([proc]);
          const r = await cannon({ url: `http://127.0.0.1:${floorPort + 1}/api/users/currentuser`, headers: { cookie: seller.cookie }, connections: C, duration: dur });
          r.serviceCpuMsPerRequest = round((serviceCpuMs([proc]) - cpuBefore) / Math.max(1, r.ok), 3);
          R[name] = r;
          log(`${name}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, its CPU ${r.serviceCpuMsPerRequest} ms/request`);
        } finally {
          proc.kill('SIGTERM');
          await new Promise((resolve) => (proc.exitCode !== null ? resolve() : proc.once('exit', resolve)));
        }
      }
      // The gateway's floor: the same nginx config as the system's gateway
      // (generated from the ingress, one worker, keep-alive upstreams) with
      // every service pointed at the bare floor. What any service reached
      // through nginx can at most do on this machine; its CPU is nginx's.
      const { startNginxGateway, loadIngressRoutes } = require(path.join(o.repo, 'scripts', 'nginx-gateway.js'));
      const floorGatewayPort = gatewayPort + 9;
      const routes = loadIngressRoutes(path.join(o.repo, 'infra', 'k8s', 'ingress-srv.yaml'));
      const targets = Object.fromEntries([...new Set(routes.map((r) => r.service))].map((s) => [s, `http://127.0.0.1:${floorPort}`]));
      const floorGateway = await startNginxGateway({
        routes,
        targets,
        port: floorGatewayPort,
        dirs: { run: path.join(localDir, 'floor-gateway'), logs: path.join(localDir, 'floor-gateway') },
      });
      try {
        log('framework-gateway ...');
        const measured = groupPids(floorGateway.pid).map((pid) => ({ pid }));
        const cpuBefore = serviceCpuMs(measured);
        const r = await cannon({ url: `http://127.0.0.1:${floorGatewayPort}/api/users/currentuser`, headers: { cookie: seller.cookie }, connections: C, duration: dur });
        r.serviceCpuMsPerRequest = round((serviceCpuMs(measured) - cpuBefore) / Math.max(1, r.ok), 3);
        R['framework-gateway'] = r;
        log(`framework-gateway: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, nginx CPU ${r.serviceCpuMsPerRequest} ms/request`);
      } finally {
        await floorGateway.close();
      }
    }
    if (want('currentuser')) {
      await run('currentuser', { url: `${gw}/api/users/currentuser`, headers: { cookie: seller.cookie }, connections: C, duration: dur });
    }
    if (want('currentuser-direct')) {
      await run('currentuser-direct', {
        url: `http://127.0.0.1:${auth.port}/api/users/currentuser`,
        headers: { cookie: seller.cookie },
        connections: C,
        duration: dur,
      });
    }
    if (want('signin')) {
      await run('signin', {
        url: `${gw}/api/users/signin`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: seller.email, password: seller.password }),
        connections: W,
        duration: dur,
      });
    }
    let sample;
    if (want('list') || want('show')) {
      const made = await inBatches(60, 10, (i) => api.createTicket(seller, `listed ${i}`, 10 + i));
      sample = made.map((t) => t.id);
    }
    if (want('list')) await run('list', { url: `${gw}/api/tickets`, connections: C, duration: dur });
    if (want('show')) {
      const next = picker(sample);
      await run('show', {
        url: gw,
        connections: C,
        duration: dur,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/tickets/${next()}` }) }],
      });
    }
    if (want('create')) {
      let n = 0;
      await run('create', {
        url: `${gw}/api/tickets`,
        connections: W,
        duration: dur,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: seller.cookie },
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ title: `created ${n++}`, price: 20 }) }),
          },
        ],
      });
    }
    if (want('edit')) {
      const mine = (await inBatches(W, 10, (i) => api.createTicket(seller, `edited ${i}`, 30))).map((t) => t.id);
      let conn = 0;
      let n = 0;
      await run('edit', {
        url: gw,
        connections: W,
        duration: dur,
        requests: [
          {
            method: 'PUT',
            headers: { 'content-type': 'application/json', cookie: seller.cookie },
            setupRequest: (req, context) => {
              if (!context.ticket) context.ticket = mine[conn++ % mine.length];
              return { ...req, path: `/api/tickets/${context.ticket}`, body: JSON.stringify({ title: `edit ${n++}`, price: 31 }) };
            },
          },
        ],
      });
    }
    /** Tickets for sale, one each, in orders' replica (so an order for each is accepted). */
    const ticketsForSale = async (count, what, seats = {}) => {
      log(`creating ${count} tickets to ${what} ...`);
      const ids = (await inBatches(count, 10, (i) => api.createTicket(seller, `for sale ${i}`, 40, seats))).map((t) => t.id);
      await waitForIds(ordersDb.collection('tickets'), ids.map((id) => new ObjectId(id)), 60000, log);
      return ids;
    };
    /** One order per ticket, placed by the buyer (not measured). */
    const placeOrders = async (ticketIds) =>
      (
        await inBatches(ticketIds.length, 10, async (i) => {
          const r = await api.call('POST', '/api/orders', { cookie: buyer.cookie, body: { ticketId: ticketIds[i] } });
          if (r.status !== 201) throw new Error(`order: ${r.status} ${JSON.stringify(r.body)}`);
          return r.body.id;
        })
      );
    const orderRequests = (ticketIds, seats = {}) => {
      const next = picker(ticketIds);
      return [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: buyer.cookie },
          setupRequest: (req) => ({ ...req, body: JSON.stringify({ ticketId: next(), ...seats }) }),
        },
      ];
    };
    /**
     * Waits until the system has digested what the set-up left behind (the
     * listings' and orders' events still being handled), so a row measures
     * its own requests, not the tail of its set-up.
     */
    const settle = async (before) => {
      if (!want(before)) return;
      log(`waiting for the system to get quiet before ${before} ...`);
      R.settleMs = R.settleMs || {};
      R.settleMs[before] = await waitQuiet(mongo, o.eventBus, ports, 300000, log);
      log(`quiet after ${R.settleMs[before] === null ? '–' : `${(R.settleMs[before] / 1000).toFixed(1)} s`}`);
    };
    if (want('order')) {
      const forSale = await ticketsForSale(Number(process.env.BENCH_ORDERS || 300), 'order');
      await settle('order');
      await run('order', { url: `${gw}/api/orders`, connections: W, amount: forSale.length, requests: orderRequests(forSale) });
    }
    if (want('order-burst')) {
      const forSale = await ticketsForSale(Number(process.env.BENCH_BURST_ORDERS || 200), 'order in a burst');
      await settle('order-burst');
      await run('order-burst', { url: `${gw}/api/orders`, connections: 20, amount: forSale.length, requests: orderRequests(forSale) });
    }
    if (want('order-burst-4')) {
      const forSale = await ticketsForSale(Number(process.env.BENCH_BURST_ORDERS || 200), 'order 4 seats of in a burst', { quantity: 4 });
      await settle('order-burst-4');
      await run('order-burst-4', { url: `${gw}/api/orders`, connections: 20, amount: forSale.length, requests: orderRequests(forSale, { quantity: 4 }) });
    }
    if (want('orders-at-once')) {
      const rounds = Number(process.env.BENCH_AT_ONCE_ROUNDS || 10);
      const buyers = await api.signUpMany('at-once', 20);
      const forSale = await ticketsForSale(rounds * buyers.length, 'order 20 at once');
      const latencies = [];
      let refused = 0;
      log('orders-at-once ...');
      for (let round = 0; round < rounds; round += 1) {
        await sleep(500);
        await Promise.all(
          buyers.map(async (b, i) => {
            const t0 = performance.now();
            const r = await api.call('POST', '/api/orders', { cookie: b.cookie, body: { ticketId: forSale[round * buyers.length + i] } });
            latencies.push(performance.now() - t0);
            if (r.status !== 201) refused += 1;
          }),
        );
      }
      R['orders-at-once'] = { buyers: buyers.length, rounds, refused, ...summary(latencies) };
      log(`orders-at-once: ${JSON.stringify(R['orders-at-once'])}`);
    }
    if (want('pay')) {
      const orderIds = await placeOrders(await ticketsForSale(Number(process.env.BENCH_PAYMENTS || 100), 'pay for'));
      await waitForIds(paymentsDb.collection('orders'), orderIds.map((id) => new ObjectId(id)), 60000, log);
      await settle('pay');
      const next = picker(orderIds);
      const notificationsProcs = () => sys.processes.filter((p) => p.name === 'notifications');
      const notificationsCpuAtPay = serviceCpuMs(notificationsProcs());
      await run('pay', {
        url: `${gw}/api/payments`,
        connections: 20,
        amount: orderIds.length,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', cookie: buyer.cookie },
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ token: 'tok_visa', orderId: next() }) }),
          },
        ],
      });
      R.payEmail = await paymentToEmail({ paymentsDb, notificationsDb, orderIds, log });
      // The pay row's CPU stops at the last payment; the emails may go on: notifications' CPU until its last email (buyer's and seller's), per payment.
      const emails = { key: { $in: orderIds }, kind: { $in: ['order-paid', 'ticket-sold'] } };
      const count = (filter) => notificationsDb.collection('notifications').countDocuments(filter);
      await waitFor(async () => {
        const [all, sent] = await Promise.all([count(emails), count({ ...emails, emailSentAt: { $exists: true } })]);
        return all >= orderIds.length && sent === all;
      }, 60000);
      R.payEmail.allEmailsSent = await count({ ...emails, emailSentAt: { $exists: true } });
      R.payEmail.notificationsCpuMsPerPayment = round((serviceCpuMs(notificationsProcs()) - notificationsCpuAtPay) / orderIds.length, 2);
      log(`pay → every email: ${R.payEmail.allEmailsSent} sent; notifications CPU from the first payment to the last email ${R.payEmail.notificationsCpuMsPerPayment} ms/payment`);
    }
    if (want('rush')) R.rush = await rushScenario({ api, log, sys, database, ordersDb, seller, ObjectId });
    if (want('scan')) R.scan = await scanScenario({ api, log, sys, database, ordersDb, ticketsDb, seller, buyer, ObjectId });
    if (want('cancel-event')) {
      R.cancelEvent = [];
      for (const n of (process.env.BENCH_CANCEL_ORDERS || '12,200').split(',').map(Number)) {
        R.cancelEvent.push(await cancelEventScenario({ api, log, ordersDb, paymentsDb, seller, buyer, ObjectId, orders: n }));
      }
    }
    if (want('waitlist')) R.waitlist = await waitlistScenario({ api, log, ordersDb, seller, ObjectId });
    // --------------------------------------------------- event scenarios --
    const replica = ordersDb.collection('tickets');
    /** ticket created (its 201) → the ticket is in orders' replica (orders accepts an order for it). */
    const probe = async (user) => {
      const t = await api.createTicket(user, 'probe', 5);
      const t0 = performance.now();
      const _id = new ObjectId(t.id);
      for (;;) {
        if (await replica.findOne({ _id }, { projection: { _id: 1 } })) return performance.now() - t0;
        if (performance.now() - t0 > 30000) return Infinity;
        await sleep(2);
      }
    };
    const probes = async (n, user, gapMs = 50) => {
      const samples = [];
      for (let i = 0; i < n; i++) {
        samples.push(await probe(user));
        await sleep(gapMs);
      }
      const lost = samples.filter((s) => !Number.isFinite(s)).length;
      return { ...summary(samples.map((s) => (Number.isFinite(s) ? s : 30000))), lostAfter30s: lost };
    };
    await settle('propagation');
    if (want('propagation')) {
      log('propagation, idle ...');
      R.propagation = await probes(o.probes, seller);
      log(`propagation idle: ${JSON.stringify(R.propagation)}`);
    }
    await settle('writers');
    if (want('writers')) {
      log(`${o.writers} writers for ${o.writersSeconds}s, probing propagation meanwhile ...`);
      const users = await api.signUpMany('writer', o.writers);
      const tickets = await inBatches(o.writers, 10, (i) => api.createTicket(users[i], `writer ${i}`, 50));
      await sleep(500);
      const until = performance.now() + o.writersSeconds * 1000;
      const putLatency = [];
      let okWrites = 0;
      let failed = 0;
      const writer = async (i) => {
        let n = 0;
        while (performance.now() < until) {
          const t0 = performance.now();
          const r = await api.call('PUT', `/api/tickets/${tickets[i].id}`, { cookie: users[i].cookie, body: { title: `w${i} ${n++}`, price: 50 } });
          putLatency.push(performance.now() - t0);
          if (r.status === 200) okWrites++;
          else failed++;
          const rest = 1000 - (performance.now() - t0);
          if (rest > 0) await sleep(rest);
        }
      };
      const t0 = performance.now();
      const probing = (async () => {
        const samples = [];
        while (performance.now() < until) {
          samples.push(await probe(seller));
          await sleep(100);
        }
        return samples;
      })();
      await Promise.all(users.map((_, i) => writer(i)));
      const elapsed = (performance.now() - t0) / 1000;
      const samples = await probing;
      R.writers = {
        writers: o.writers,
        writesPerSecond: round(okWrites / elapsed, 1),
        failedWrites: failed,
        put: summary(putLatency),
        propagation: { ...summary(samples.map((s) => (Number.isFinite(s) ? s : 30000))), lostAfter30s: samples.filter((s) => !Number.isFinite(s)).length },
      };
      log(`writers: ${JSON.stringify(R.writers)}`);
    }
    await settle('sustained-writes');
    if (want('sustained-writes')) {
      const tickets = sys.processes.find((p) => p.name === 'tickets');
      /** tickets' /metrics: events published so far, and what its outbox holds. */
      const ticketsMetrics = async () => {
        const text = await (await fetch(`http://127.0.0.1:${tickets.port}/metrics`)).text();
        const sum = (name) =>
          text
            .split('\n')
            .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
            .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
        return { published: sum('events_published_total'), backlog: sum('outbox_backlog') };
      };
      R.sustained = [];
      for (const n of o.sustained) {
        log(`sustained writes: ${n} writers for ${o.sustainedSeconds}s ...`);
        const users = await api.signUpMany(`sustained${n}-`, n);
        const own = await inBatches(n, 10, (i) => api.createTicket(users[i], `sustained ${i}`, 50));
        const until = performance.now() + o.sustainedSeconds * 1000;
        const putLatency = [];
        let okWrites = 0;
        let failed = 0;
        // Closed loop: each writer sends its next edit as soon as the last is answered.
        const writer = async (i) => {
          for (let k = 0; performance.now() < until; k++) {
            const t0 = performance.now();
            const r = await api.call('PUT', `/api/tickets/${own[i].id}`, { cookie: users[i].cookie, body: { title: `s${i} ${k}`, price: 50 + (k % 2) } });
            putLatency.push(performance.now() - t0);
            if (r.status === 200) okWrites++;
            else failed++;
          }
        };
        // Once a second: a ticket listed (its 201) until the buyer's order for it is accepted (orders has it).
        const lags = [];
        let lost = 0;
        const prober = (async () => {
          while (performance.now() < until) {
            const started = performance.now();
            const t = await api.createTicket(seller, 'sustained probe', 5);
            const t0 = performance.now();
            for (;;) {
              const r = await api.call('POST', '/api/orders', { cookie: buyer.cookie, body: { ticketId: t.id } });
              if (r.status === 201) {
                lags.push(performance.now() - t0);
                break;
              }
              if (performance.now() - t0 > 30000) {
                lost++;
                break;
              }
              await sleep(5);
            }
            const rest = 1000 - (performance.now() - started);
            if (rest > 0) await sleep(rest);
          }
        })();
        const backlog = [];
        const first = await ticketsMetrics();
        const t0 = performance.now();
        const sampler = (async () => {
          while (performance.now() < until) {
            await sleep(1000);
            backlog.push((await ticketsMetrics().catch(() => ({ backlog: NaN }))).backlog);
          }
        })();
        await Promise.all([...users.map((_, i) => writer(i)), prober, sampler]);
        const elapsed = (performance.now() - t0) / 1000;
        const last = await ticketsMetrics();
        const row = {
          writers: n,
          seconds: round(elapsed, 1),
          writesPerSecond: round(okWrites / elapsed, 1),
          failedWrites: failed,
          put: summary(putLatency),
          eventsPublishedPerSecond: round((last.published - first.published) / elapsed, 1),
          backlogMax: Math.max(0, ...backlog.filter(Number.isFinite)),
          backlogFinal: last.backlog,
          probeLag: { ...summary(lags), lostAfter30s: lost },
        };
        R.sustained.push(row);
        log(`sustained ${n}: ${JSON.stringify(row)}`);
        await waitQuiet(mongo, o.eventBus, ports, 300000, log);
      }
    }
    await settle('scale');
    if (want('scale')) {
      const tickets = ticketsDb.collection('tickets');
      R.scale = [];
      for (const size of o.scale) {
        const have = await tickets.countDocuments({});
        if (have < size) {
          log(`seeding tickets to ${size} (driver insertMany) ...`);
          const t = Date.now() - 3600 * 1000;
          for (let i = have; i < size; i += 1000) {
            const docs = [];
            for (let j = i; j < Math.min(size, i + 1000); j++) {
              const at = new Date(t - j * 1000);
              docs.push(seededListing(j, at, seller.id));
            }
            await tickets.insertMany(docs, { ordered: false });
          }
        }
        const n = size >= 10000 ? 10 : 20;
        const viaApi = [];
        const viaDriver = [];
        for (let i = 0; i < n; i++) {
          let t0 = performance.now();
          const r = await api.call('GET', '/api/tickets');
          if (r.status !== 200) throw new Error(`list: ${r.status}`);
          viaApi.push(performance.now() - t0);
          t0 = performance.now();
          await tickets.find(AVAILABLE).sort({ createdAt: -1, _id: -1 }).limit(50).toArray();
          viaDriver.push(performance.now() - t0);
        }
        const list = summary(viaApi);
        const driver = summary(viaDriver);
        const propagation = await probes(n, seller);
        const row = { tickets: await tickets.countDocuments({}), list, driver, ratio: round(list.p50 / driver.p50, 2), propagation };
        R.scale.push(row);
        log(`scale ${size}: ${JSON.stringify(row)}`);
      }
    }
    if (want('list@10k') || want('list-event@10k') || want('show@10k')) {
      const tickets = ticketsDb.collection('tickets');
      const size = 10000;
      const have = await tickets.countDocuments({});
      if (have < size) {
        log(`seeding tickets to ${size} (driver insertMany) ...`);
        const t = Date.now() - 3600 * 1000;
        for (let i = have; i < size; i += 1000) {
          const docs = [];
          for (let j = i; j < Math.min(size, i + 1000); j++) {
            const at = new Date(t - j * 1000);
            docs.push(seededListing(j, at, seller.id));
          }
          await tickets.insertMany(docs, { ordered: false });
        }
      }
      // Written behind the service's back: restarted, as after a data load, so nothing it kept in memory predates them.
      const before = sys.processes.find((p) => p.name === 'tickets');
      log('restarting tickets after the seeding ...');
      process.kill(-before.pid, 'SIGTERM');
      for (const deadline = Date.now() + 120000; ; ) {
        const now = sys.processes.find((p) => p.name === 'tickets');
        if (now.pid !== before.pid && (await api.call('GET', '/api/tickets?limit=1').catch(() => ({ status: 0 }))).status === 200) break;
        if (Date.now() > deadline) throw new Error('tickets did not come back after its restart');
        await sleep(250);
      }
      // The same work on the driver, as many at once as the pool allows, for as long.
      const onDriver = async (fn) => {
        const latency = [];
        const until = performance.now() + dur * 1000;
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            while (performance.now() < until) {
              const t0 = performance.now();
              await fn();
              latency.push(performance.now() - t0);
            }
          }),
        );
        return { rps: round(latency.length / dur, 0), ...summary(latency), concurrency: 20 };
      };
      R.at10k = { tickets: await tickets.countDocuments({}) };
      if (want('list@10k')) {
        await run('list@10k', { url: `${gw}/api/tickets`, connections: C, duration: dur });
        R.at10k.listDriver = await onDriver(() => tickets.find(AVAILABLE).sort({ createdAt: -1, _id: -1 }).limit(50).toArray());
        log(`list@10k on the driver: ${JSON.stringify(R.at10k.listDriver)}`);
      }
      if (want('list-event@10k')) {
        await run('list-event@10k', { url: `${gw}/api/tickets?eventId=${BENCH_EVENT_ID}&sort=price`, connections: C, duration: dur });
        R.at10k.listEventDriver = await onDriver(() =>
          tickets.find({ eventId: BENCH_EVENT_ID, ...AVAILABLE }).sort({ eventId: 1, allInPrice: 1, _id: 1 }).limit(50).toArray(),
        );
        log(`list-event@10k on the driver: ${JSON.stringify(R.at10k.listEventDriver)}`);
      }
      if (want('show@10k')) {
        const ids = (await tickets.find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
        const shuffled = ids.sort(() => Math.random() - 0.5).slice(0, 1000);
        const next = picker(shuffled.map(String));
        await run('show@10k', {
          url: gw,
          connections: C,
          duration: dur,
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/api/tickets/${next()}` }) }],
        });
        const nextId = picker(shuffled);
        R.at10k.showDriver = await onDriver(() => tickets.findOne({ _id: nextId() }));
        log(`show@10k on the driver: ${JSON.stringify(R.at10k.showDriver)}`);
      }
    }
    if (want('db-floor')) {
      const scratch = ticketsDb.collection('bench_floor');
      const ins = [];
      const find = [];
      const ids = [];
      for (let i = 0; i < 30; i++) {
        let t0 = performance.now();
        const r = await scratch.insertOne({ title: 'floor', price: 1, outbox: [] });
        ins.push(performance.now() - t0);
        ids.push(r.insertedId);
        t0 = performance.now();
        await scratch.findOne({ _id: r.insertedId });
        find.push(performance.now() - t0);
      }
      R.dbFloor = { insertOne: summary(ins), findOneById: summary(find) };
      await scratch.drop().catch(() => {});
      log(`db floor: ${JSON.stringify(R.dbFloor)}`);
    }
  } finally {
    await mongo.close().catch(() => {});
    floorProc.kill('SIGTERM');
    results.loadAfter = snapshotLoad();
    await sys.stop();
  }
  if (want('restart')) {
    log('second start ...');
    sys = await system.startSystem({ ...startOpts, runId: `bench${Date.now().toString(36)}` });
    R.start.secondStartMs = sys.startedInMs;
    await sys.stop();
    log(`second start to ready: ${(sys.startedInMs / 1000).toFixed(1)}s`);
  }
  results.finishedAt = new Date().toISOString();

  fs.mkdirSync(o.out, { recursive: true });
  const stamp = startedAt.toISOString().replace(/:/g, '-').replace(/\..*/, 'Z');
  const base = path.join(o.out, `${stamp}${o.label ? `-${o.label.replace(/[^\w.-]+/g, '_')}` : ''}`);
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  const md = require('./table').markdown(results);
  fs.writeFileSync(`${base}.md`, md);
  console.log(`\n${md}\n[bench] wrote ${path.relative(process.cwd(), base)}.json and .md`);
}

/**
 * Waits until the system has digested what the HTTP scenarios left behind:
 * no outbox marker in any service's database and no message the broker has
 * not had acked, so "idle" propagation is measured idle. Resolves with the
 * time it took (or null when it never got quiet within timeoutMs).
 */
/**
 * The on-sale rush: every buyer at once, each wanting 1 or 2 seats (300
 * wanted, 200 listed), each starting at a different listing and, refused,
 * asking for what is left (`Only N tickets left`) or reloading the event's
 * listings and trying another, paying what it won. Checks
 * what it reports: seats sold by the orders (complete) and by the tickets
 * service (`sold` on the seller's listings) must both be every seat listed.
 */
async function rushScenario({ api, log, sys, database, ordersDb, seller, ObjectId }) {
  const BUYERS = Number(process.env.BENCH_RUSH_BUYERS || 200);
  const LISTINGS = Number(process.env.BENCH_RUSH_LISTINGS || 50);
  const SEATS = 4;
  const event = await api.call('POST', '/api/events', {
    cookie: seller.cookie,
    body: { name: `Rush ${Date.now()}`, venue: 'Arena', city: 'Bench', startsAt: new Date(Date.now() + 30 * 86400e3).toISOString(), category: 'concert' },
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  const eventId = event.body.id;
  log(`rush: ${LISTINGS} listings of ${SEATS} seats, ${BUYERS} buyers signing up ...`);
  const listOne = async (i) => {
    for (let attempt = 0; ; attempt += 1) {
      const r = await api.call('POST', '/api/tickets', { cookie: seller.cookie, body: { title: `rush ${i}`, price: 20 + (i % 25), eventId, quantity: SEATS, section: `S${i}`, row: 'A' } });
      if (r.status === 201) return r.body;
      // The tickets service hears of the event a moment after its 201.
      if (attempt > 100 || r.status !== 400) throw new Error(`listing: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(50);
    }
  };
  const listings = await inBatches(LISTINGS, 10, listOne);
  const buyers = await api.signUpMany('rush', BUYERS);
  await waitForIds(ordersDb.collection('tickets'), listings.map((t) => new ObjectId(t.id)), 60000, log);
  const cheapestFirst = (await api.call('GET', `/api/tickets?eventId=${eventId}&sort=price&limit=100`)).body.map((t) => t.id);

  const latencies = [];
  const statuses = {};
  let won = 0;
  let seatsWon = 0;
  let paid = 0;
  const count = (status) => (statuses[status] = (statuses[status] || 0) + 1);
  const measured = sys.processes.filter((p) => p.name !== 'client');
  const cpuBefore = Object.fromEntries(measured.map((p) => [p.name, serviceCpuMs([p])]));
  const dbCpuBefore = serviceCpuMs(database());
  const t0 = performance.now();
  let lastOrderAt = t0;
  /** What a buyer's event page shows: the listings with seats available, cheapest first. */
  const onSale = async () => {
    const r = await api.call('GET', `/api/tickets?eventId=${eventId}&sort=price&limit=100`);
    return r.status === 200 ? r.body : [];
  };
  await Promise.all(
    buyers.map(async (buyer, i) => {
      let want = 1 + (i % 2);
      // Buyers start from different listings, as people pick different seats of one page.
      let ticketId = cheapestFirst[i % cheapestFirst.length];
      for (let attempt = 0; attempt < 20 && ticketId && want > 0; attempt += 1) {
        const s = performance.now();
        const r = await api.call('POST', '/api/orders', { cookie: buyer.cookie, body: { ticketId, quantity: want } });
        latencies.push(performance.now() - s);
        count(r.status);
        if (r.status === 201) {
          won += 1;
          seatsWon += want;
          lastOrderAt = performance.now();
          // Payments hears of the order a moment after its 201: a 404 is tried again for a few seconds.
          let payment;
          for (const giveUpAt = performance.now() + 10000; ; ) {
            payment = await api.call('POST', '/api/payments', { cookie: buyer.cookie, body: { token: 'tok_visa', orderId: r.body.id } });
            if (payment.status !== 404 || performance.now() > giveUpAt) break;
            await sleep(100);
          }
          if (payment.status === 201) paid += 1;
          else count(`pay ${payment.status}`);
          return;
        }
        const left = /^Only (\d+) tickets? left$/.exec(r.body?.errors?.[0]?.message || '');
        if (left) {
          want = Number(left[1]);
          continue;
        }
        // Taken meanwhile: the buyer reloads the event's page and tries another listing it shows.
        const shown = (await onSale()).filter((t) => t.id !== ticketId && t.available >= 1);
        const next = shown[i % Math.max(1, shown.length)];
        ticketId = next && next.id;
        if (next) want = Math.min(want, next.available);
      }
    }),
  );
  const seconds = (lastOrderAt - t0) / 1000;
  await sleep(3000);
  const cpuMsPerOrder = Object.fromEntries(measured.map((p) => [p.name, round((serviceCpuMs([p]) - cpuBefore[p.name]) / Math.max(1, won), 2)]));
  const databaseCpuMsPerOrder = round((serviceCpuMs(database()) - dbCpuBefore) / Math.max(1, won), 2);
  // What each side says was sold, once the events are in.
  let soldByOrders = 0;
  let soldByTickets = 0;
  for (let tries = 0; tries < 60; tries += 1) {
    const complete = await ordersDb.collection('orders').find({ status: 'complete' }, { projection: { quantity: 1, ticket: 1 } }).toArray();
    const ids = new Set(listings.map((t) => t.id));
    soldByOrders = complete.filter((o) => ids.has(String(o.ticket))).reduce((n, o) => n + (o.quantity || 1), 0);
    const mine = (await api.call('GET', '/api/tickets/mine', { cookie: seller.cookie })).body;
    soldByTickets = mine.filter((t) => ids.has(t.id)).reduce((n, t) => n + (t.sold || 0), 0);
    if (soldByOrders === seatsWon && soldByTickets === seatsWon) break;
    await sleep(500);
  }
  const sorted = latencies.slice().sort((a, b) => a - b);
  const r = {
    buyers: BUYERS,
    listings: LISTINGS,
    seatsListed: LISTINGS * SEATS,
    orders: won,
    ordersPerSecond: round(won / Math.max(seconds, 0.001), 1),
    attempts: latencies.length,
    p50: round(percentile(sorted, 50), 1),
    p99: round(percentile(sorted, 99), 1),
    statuses,
    serverErrors: Object.entries(statuses).filter(([k]) => /(^| )5\d\d$/.test(k)).reduce((n, [, v]) => n + v, 0),
    seatsWon,
    paid,
    seatsSoldByOrders: soldByOrders,
    seatsSoldByTickets: soldByTickets,
    cpuMsPerOrder,
    databaseCpuMsPerOrder,
  };
  log(`rush: ${JSON.stringify(r)}`);
  return r;
}

/**
 * The buyer guarantee, timed: `orders` one-seat listings of one event are
 * bought and paid by one buyer, then the organizer cancels the event. From
 * the cancel's 200: until payments has a refund for every payment
 * (stripeRefundId) and until orders shows every order `refunded`.
 */
async function cancelEventScenario({ api, log, ordersDb, paymentsDb, seller, buyer, ObjectId, orders }) {
  const event = await api.call('POST', '/api/events', {
    cookie: seller.cookie,
    body: { name: `Called off ${Date.now()}`, venue: 'Arena', city: 'Bench', startsAt: new Date(Date.now() + 30 * 86400e3).toISOString(), category: 'concert' },
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  log(`cancel-event: ${orders} paid orders of one event ...`);
  const listings = await inBatches(orders, 10, async (i) => {
    for (let attempt = 0; ; attempt += 1) {
      const r = await api.call('POST', '/api/tickets', { cookie: seller.cookie, body: { title: `called off ${i}`, price: 30, eventId: event.body.id } });
      if (r.status === 201) return r.body.id;
      if (attempt > 100 || r.status !== 400) throw new Error(`listing: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(50);
    }
  });
  await waitForIds(ordersDb.collection('tickets'), listings.map((id) => new ObjectId(id)), 60000, log);
  const orderIds = await inBatches(orders, 10, async (i) => {
    const placed = await api.call('POST', '/api/orders', { cookie: buyer.cookie, body: { ticketId: listings[i] } });
    if (placed.status !== 201) throw new Error(`order: ${placed.status} ${JSON.stringify(placed.body)}`);
    for (const giveUpAt = performance.now() + 10000; ; ) {
      const paid = await api.call('POST', '/api/payments', { cookie: buyer.cookie, body: { token: 'tok_visa', orderId: placed.body.id } });
      if (paid.status === 201) return placed.body.id;
      if (paid.status !== 404 || performance.now() > giveUpAt) throw new Error(`pay: ${paid.status} ${JSON.stringify(paid.body)}`);
      await sleep(100);
    }
  });
  const ids = orderIds.map((id) => new ObjectId(id));
  const until = async (what, done) => {
    for (const giveUpAt = performance.now() + 120000; performance.now() < giveUpAt; await sleep(20)) if (await done()) return true;
    log(`cancel-event: ${what} not reached in 120 s`);
    return false;
  };
  await until('every order complete', async () => (await ordersDb.collection('orders').countDocuments({ _id: { $in: ids }, status: 'complete' })) === orders);
  const cancelled = await api.call('POST', `/api/events/${event.body.id}/cancel`, { cookie: seller.cookie });
  if (cancelled.status !== 200) throw new Error(`cancel: ${cancelled.status} ${JSON.stringify(cancelled.body)}`);
  const t0 = performance.now();
  let refundedMs = null;
  let ordersRefundedMs = null;
  await until('every payment refunded and every order refunded', async () => {
    if (refundedMs === null && (await paymentsDb.collection('payments').countDocuments({ orderId: { $in: orderIds }, stripeRefundId: { $exists: true } })) >= orders) {
      refundedMs = performance.now() - t0;
    }
    if (ordersRefundedMs === null && (await ordersDb.collection('orders').countDocuments({ _id: { $in: ids }, status: 'refunded' })) === orders) {
      ordersRefundedMs = performance.now() - t0;
    }
    return refundedMs !== null && ordersRefundedMs !== null;
  });
  const r = { orders, refundedMs: round(refundedMs, 0), ordersRefundedMs: round(ordersRefundedMs, 0) };
  log(`cancel-event: ${JSON.stringify(r)}`);
  return r;
}

/**
 * The gate: the seller (the event's organizer) lists BENCH_SCAN_PASSES seats
 * as listings of 20, the buyer orders and pays for each listing whole (10
 * orders at a time), and the time from each payment's 201 to its 20 passes
 * stored is measured. Then the organizer scans every pass once, 20 requests
 * in flight: scans/s, p50/p99, every answer a 200 (an admission).
 */
async function scanScenario({ api, log, sys, database, ordersDb, ticketsDb, seller, buyer, ObjectId }) {
  const SEATS = 20;
  const total = Number(process.env.BENCH_SCAN_PASSES || 1000);
  const listingsCount = Math.ceil(total / SEATS);
  const event = await api.call('POST', '/api/events', {
    cookie: seller.cookie,
    body: { name: `Gate ${Date.now()}`, venue: 'Arena', city: 'Bench', startsAt: new Date(Date.now() + 30 * 86400e3).toISOString(), category: 'concert' },
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${JSON.stringify(event.body)}`);
  log(`scan: ${listingsCount} paid orders of ${SEATS} seats of one event ...`);
  const listings = await inBatches(listingsCount, 10, async (i) => {
    for (let attempt = 0; ; attempt += 1) {
      const r = await api.call('POST', '/api/tickets', { cookie: seller.cookie, body: { title: `gate ${i}`, price: 30, eventId: event.body.id, quantity: SEATS, section: `S${i}`, row: 'A' } });
      if (r.status === 201) return r.body.id;
      if (attempt > 100 || r.status !== 400) throw new Error(`listing: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(50);
    }
  });
  await waitForIds(ordersDb.collection('tickets'), listings.map((id) => new ObjectId(id)), 60000, log);
  const passes = ticketsDb.collection('passes');
  const issueMs = await inBatches(listingsCount, 10, async (i) => {
    const placed = await api.call('POST', '/api/orders', { cookie: buyer.cookie, body: { ticketId: listings[i], quantity: SEATS } });
    if (placed.status !== 201) throw new Error(`order: ${placed.status} ${JSON.stringify(placed.body)}`);
    for (const giveUpAt = performance.now() + 10000; ; ) {
      const paid = await api.call('POST', '/api/payments', { cookie: buyer.cookie, body: { token: 'tok_visa', orderId: placed.body.id } });
      if (paid.status === 201) break;
      if (paid.status !== 404 || performance.now() > giveUpAt) throw new Error(`pay: ${paid.status} ${JSON.stringify(paid.body)}`);
      await sleep(100);
    }
    const t0 = performance.now();
    for (;;) {
      if ((await passes.countDocuments({ orderId: placed.body.id })) === SEATS) return performance.now() - t0;
      if (performance.now() - t0 > 60000) throw new Error(`scan: no ${SEATS} passes for order ${placed.body.id} after 60 s`);
      await sleep(20);
    }
  });
  const codes = (await passes.find({ eventId: event.body.id }, { projection: { code: 1 } }).toArray()).map((p) => p.code).slice(0, total);
  log(`scan: ${codes.length} passes issued; payment → ${SEATS} passes ${JSON.stringify(summary(issueMs))} ms; scanning ...`);
  const measured = sys.processes.filter((p) => p.name !== 'client');
  const cpuBefore = serviceCpuMs(measured);
  const dbCpuBefore = serviceCpuMs(database());
  const latencies = [];
  const statuses = {};
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next < codes.length) {
        const code = codes[next++];
        const t0 = performance.now();
        const r = await api.call('POST', '/api/passes/scan', { cookie: seller.cookie, body: { code } });
        latencies.push(performance.now() - t0);
        statuses[r.status] = (statuses[r.status] || 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const lat = summary(latencies);
  const r = {
    passes: codes.length,
    inFlight: 20,
    scansPerSecond: round(codes.length / seconds, 1),
    p50: lat.p50,
    p99: lat.p99,
    statuses,
    paymentToPassesMs: summary(issueMs),
    serviceCpuMsPerScan: round((serviceCpuMs(measured) - cpuBefore) / codes.length, 2),
    databaseCpuMsPerScan: round((serviceCpuMs(database()) - dbCpuBefore) / codes.length, 2),
  };
  log(`scan: ${JSON.stringify(r)}`);
  return r;
}

/**
 * The waiting list, timed (docs/waitlist.md): 5 listings of 20 seats (the
 * most one listing has), each held by 2 orders of 10; `buyers` users join
 * the lists for one seat each, spread evenly (200: 40 per listing); then one
 * listing's two orders are cancelled at once every second: 100 seats back in
 * bursts of 20. Each offer's time is read from its entry (`offerExpiresAt` −
 * WAITLIST_OFFER_SECONDS): from its burst's cancel requests to each offer,
 * p50/p99; offers/s from the first cancel to the last offer.
 */
async function waitlistScenario({ api, log, ordersDb, seller, ObjectId }) {
  const buyers = Number(process.env.BENCH_WAITLIST_BUYERS || 200);
  const offerSeconds = Number(process.env.WAITLIST_OFFER_SECONDS || 600);
  const LISTINGS = 5;
  log(`waitlist: ${buyers} buyers wait for ${LISTINGS} listings of 20 held seats; one listing's seats come back every second ...`);
  const listings = await inBatches(LISTINGS, LISTINGS, (i) => api.createTicket(seller, `waitlist ${i} ${Date.now()}`, 25, { quantity: 20 }));
  await waitForIds(ordersDb.collection('tickets'), listings.map((l) => new ObjectId(l.id)), 60000, log);
  const holder = await api.signup(`wl-holder-${Date.now()}@bench.dev`);
  const holds = await inBatches(LISTINGS * 2, 10, async (i) => {
    const r = await api.call('POST', '/api/orders', { cookie: holder.cookie, body: { ticketId: listings[i % LISTINGS].id, quantity: 10 } });
    if (r.status !== 201) throw new Error(`hold: ${r.status} ${JSON.stringify(r.body)}`);
    return { listing: i % LISTINGS, orderId: r.body.id };
  });
  const waiters = await api.signUpMany('wl-waiter', buyers);
  await inBatches(buyers, 10, async (i) => {
    const r = await api.call('POST', '/api/waitlist', { cookie: waiters[i].cookie, body: { ticketId: listings[i % LISTINGS].id, quantity: 1 } });
    if (r.status !== 201) throw new Error(`join: ${r.status} ${JSON.stringify(r.body)}`);
  });
  const entries = ordersDb.collection('waitlistentries');
  const bursts = [];
  let errors = 0;
  for (let l = 0; l < LISTINGS; l += 1) {
    const at = Date.now();
    const answers = await Promise.all(holds.filter((h) => h.listing === l).map((h) => api.call('DELETE', `/api/orders/${h.orderId}`, { cookie: holder.cookie })));
    errors += answers.filter((a) => a.status !== 204).length;
    bursts.push({ ticketId: new ObjectId(listings[l].id), at });
    await sleep(1000);
  }
  const offeredOf = (b) => entries.find({ ticketId: b.ticketId, offerExpiresAt: { $exists: true } }).toArray();
  await waitFor(async () => (await Promise.all(bursts.map(offeredOf))).every((es) => es.length >= 20), 60000);
  const latencies = [];
  const times = [];
  for (const b of bursts) {
    for (const e of await offeredOf(b)) {
      const t = e.offerExpiresAt.getTime() - offerSeconds * 1000;
      times.push(t);
      latencies.push(t - b.at);
    }
  }
  const r = {
    buyers,
    seatsBack: LISTINGS * 20,
    offers: times.length,
    offersPerSecond: round(times.length / Math.max(0.001, (Math.max(...times) - bursts[0].at) / 1000), 1),
    cancelToOffer: summary(latencies),
    stillWaiting: await entries.countDocuments({ ticketId: { $in: bursts.map((b) => b.ticketId) }, status: 'waiting' }),
    errors,
  };
  log(`waitlist: ${JSON.stringify(r)}`);
  return r;
}

/**
 * The `pay` scenario's payments, each to its buyer's `order-paid` email:
 * from the payment's success write (payments) to the moment the SMTP server
 * accepted the email (notifications' emailSentAt), same clock, same machine.
 */
async function paymentToEmail({ paymentsDb, notificationsDb, orderIds, log }) {
  const sent = () => notificationsDb.collection('notifications').find({ kind: 'order-paid', key: { $in: orderIds }, emailSentAt: { $exists: true } }).toArray();
  const t0 = performance.now();
  let emails = [];
  while (performance.now() - t0 < 60000) {
    emails = await sent();
    if (emails.length >= orderIds.length) break;
    await sleep(250);
  }
  const payments = await paymentsDb.collection('payments').find({ orderId: { $in: orderIds }, status: 'succeeded' }).toArray();
  const paidAt = new Map(payments.map((p) => [p.orderId, new Date(p.updatedAt).getTime()]));
  const samples = emails.filter((e) => paidAt.has(e.key)).map((e) => new Date(e.emailSentAt).getTime() - paidAt.get(e.key));
  const r = { payments: orderIds.length, emails: emails.length, ...summary(samples) };
  log(`pay → email: ${JSON.stringify(r)}`);
  return r;
}

async function waitFor(done, timeoutMs) {
  for (const giveUpAt = performance.now() + timeoutMs; performance.now() < giveUpAt; await sleep(50)) if (await done()) return true;
  return false;
}

async function waitQuiet(mongo, eventBus, ports, timeoutMs, log) {
  const t0 = Date.now();
  const backlog = async () => {
    let pending = 0;
    for (const db of ['auth', 'tickets', 'orders', 'payments', 'events', 'notifications']) {
      for (const c of await mongo.db(db).listCollections({}, { nameOnly: true }).toArray()) {
        pending += await mongo.db(db).collection(c.name).countDocuments({ outboxPending: true });
      }
    }
    let unacked = 0;
    if (eventBus === 'jetstream') {
      const jsz = await (await fetch(`http://127.0.0.1:${ports.jetstreamMonitor}/jsz?consumers=true`)).json();
      for (const account of jsz.account_details || []) {
        for (const stream of account.stream_detail || []) {
          for (const c of stream.consumer_detail || []) unacked += (c.num_pending || 0) + (c.num_ack_pending || 0);
        }
      }
    } else {
      const ch = await (await fetch(`http://127.0.0.1:${ports.stanMonitor}/streaming/channelsz?subs=1`)).json();
      for (const c of ch.channels || []) for (const sub of c.subscriptions || []) unacked += sub.pending_count + Math.max(0, c.last_seq - sub.last_sent);
    }
    return { pending, unacked };
  };
  let last;
  while (Date.now() - t0 < timeoutMs) {
    last = await backlog().catch((err) => ({ error: String(err) }));
    if (last.pending === 0 && last.unacked === 0) return Date.now() - t0;
    await sleep(500);
  }
  log(`! not quiet after ${timeoutMs / 1000}s: ${JSON.stringify(last)}`);
  return null;
}

/** Waits until every id is in the collection (events delivered); _id lookups, pushed down even on FerretDB. */
async function waitForIds(collection, ids, timeoutMs, log) {
  const deadline = Date.now() + timeoutMs;
  const missing = new Set(ids.map(String));
  while (missing.size && Date.now() < deadline) {
    for (const id of [...missing]) {
      const { ObjectId } = require('mongodb');
      if (await collection.findOne({ _id: new ObjectId(id) }, { projection: { _id: 1 } })) missing.delete(id);
    }
    if (missing.size) await sleep(200);
  }
  if (missing.size) log(`! ${missing.size} of ${ids.length} still missing in ${collection.collectionName} after ${timeoutMs / 1000}s`);
}

/**
 * Abuse limits raised for the bench: every request comes from one address
 * and the order and pay scenarios are one buyer's hundreds of orders, which
 * the production limits (rightly) refuse. The limiters still run (their Redis
 * round trip stays in the measured path); only their thresholds move. The
 * shell's own value of any of these wins.
 */
const BENCH_LIMITS = {
  SIGNIN_PER_IP_PER_MINUTE: '1000000',
  SIGNUP_PER_IP_PER_MINUTE: '1000000',
  ORDERS_PER_USER_PER_MINUTE: '1000000',
  PAYMENTS_PER_USER_PER_MINUTE: '1000000',
  MAX_ACTIVE_ORDERS_PER_USER: '1000000',
  // 20 concurrent sign-ins of one account count as attempts in flight: past 5 the back-off answers 429.
  SIGNIN_FREE_FAILURES: '1000000',
};

/** The system's environment: this shell's, without what would point it elsewhere, and the bench's limits. */
function benchEnv() {
  const env = { ...BENCH_LIMITS, ...process.env };
  const ours = /^(NODE_ENV|PORT|MONGO_URI|JWT_KEY|EVENT_BUS|NATS_.*|REDIS_.*|STRIPE_.*|GATEWAY_PORT|SERVICE_PORT_BASE|TICKETING_INFRA_LEASE|npm_.*)$/;
  for (const k of Object.keys(env)) if (ours.test(k)) delete env[k];
  return env;
}

main().catch((err) => {
  console.error(`[bench] ✗ ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
