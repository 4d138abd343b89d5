'use strict';
// CPU per request of one HTTP process answering GET /api/users/currentuser
// for a signed-in user, beside the floors, without the rest of the system:
//
//   node bench/app-cpu.js [--rounds N] [--seconds S] [--connections C] [--profile DIR] [variant ...]
//
// Variants (default: all, in this order, one process each):
//   bare              Node http alone (bench/floor.js)
//   express           Express 4 alone (bench/floor.js express)
//   express-session   Express 4 + cookie-session on the same cookie
//   auth              auth's own app (auth/dist/app.js: common's createServiceApp, all of auth's routers), tracing off
//   auth-traced       the same with tracing on, as npm start runs it (common's register, Zipkin exporter,
//                     the services' sampler: a tenth of reads), its spans sent to a sink here that answers 202
//   auth-traced-all   the same tracing every read (TRACES_READ_SAMPLE_RATIO=1)
//
// Each round runs every variant once (interleaved, so a busy machine weighs on
// all alike) and reads the process's own CPU time (process.cpuUsage) around an
// autocannon run after a warm-up; the table shows the minimum and the median
// over the rounds. On a shared machine CPU per request moves much less than
// req/s, and the minimum least of all. --profile DIR writes a V8 CPU profile of
// each measured run (the warm-up and start excluded). Needs `npm run build`.
// Not a test: nothing passes or fails on a timing.
const { fork } = require('child_process');
const http = require('http');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const ALL = ['bare', 'express', 'express-session', 'auth', 'auth-traced', 'auth-traced-all'];
const JWT_KEY = 'app-cpu-bench-key-0123456789abcdef';

if (process.argv[2] === '--child') child(process.argv[3]);
else main().catch((err) => {
  console.error(err);
  process.exit(1);
});

function child(variant) {
  const PORT = Number(process.env.APP_CPU_PORT);
  let server;
  if (variant.startsWith('auth')) {
    Object.assign(process.env, {
      NODE_ENV: 'production',
      SERVICE_NAME: 'auth',
      JWT_KEY,
      MONGO_URI: 'mongodb://127.0.0.1:1/unused',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: '1',
      NATS_URL: 'nats://127.0.0.1:1',
      NATS_CLUSTER_ID: 'unused',
    });
    if (variant.startsWith('auth-traced')) process.env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = process.env.APP_CPU_SINK;
    else process.env.OTEL_SDK_DISABLED = 'true';
    if (variant === 'auth-traced-all') process.env.TRACES_READ_SAMPLE_RATIO = '1';
    // First, as in auth's index.ts.
    require(path.join(ROOT, 'common/dist/telemetry/register.js'));
    const { RateLimits } = require(path.join(ROOT, 'common/dist'));
    const Redis = require('ioredis');
    const { buildApp } = require(path.join(ROOT, 'auth/dist/app.js'));
    const { readConfig } = require(path.join(ROOT, 'auth/dist/config.js'));
    // currentuser touches neither Redis nor MongoDB: a client that never connects.
    const redis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    // Nor the bus (only a signup publishes): readiness is not what is measured.
    server = http.createServer(buildApp(readConfig(), new RateLimits(redis), { isConnected: () => true }));
  } else {
    // bench/floor.js serves the floors; run it in this process.
    process.argv = [process.argv[0], path.join(__dirname, 'floor.js'), String(PORT), variant];
    require('./floor.js');
    return profiling();
  }
  server.keepAliveTimeout = 60000;
  server.listen(PORT, '127.0.0.1', () => process.send({ ready: true }));
  profiling();
}

function profiling() {
  let session;
  process.on('message', (m) => {
    if (m.cpu) {
      const u = process.cpuUsage();
      process.send({ cpuMs: (u.user + u.system) / 1000 });
    } else if (m.profileStart) {
      const inspector = require('inspector');
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () => session.post('Profiler.start', () => process.send({ profiling: true })));
    } else if (m.profileStop) {
      session.post('Profiler.stop', (err, res) => {
        require('fs').writeFileSync(m.profileStop, JSON.stringify(res.profile));
        process.send({ profiled: true });
      });
    }
  });
}

function parseArgs(argv) {
  const o = { rounds: 3, seconds: 3, connections: 50, profile: undefined, variants: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--seconds') o.seconds = Number(argv[++i]);
    else if (a === '--connections') o.connections = Number(argv[++i]);
    else if (a === '--profile') o.profile = path.resolve(argv[++i]);
    else if (ALL.includes(a)) o.variants.push(a);
    else throw new Error(`unknown argument ${a} (variants: ${ALL.join(', ')})`);
  }
  if (!o.variants.length) o.variants = ALL;
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const autocannon = require('autocannon');
  const { SessionKeys } = require(path.join(ROOT, 'common/dist'));
  const token = new SessionKeys({ JWT_KEY }).sign({ id: '656f6c6f6f6f6f6f6f6f6f6f', email: 'cpu@bench.dev' }, 86400);
  const cookie = `session=${Buffer.from(JSON.stringify({ jwt: token })).toString('base64')}`;
  // Zipkin's stand-in: takes the spans, answers 202.
  const sink = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(202).end()));
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const port = Number(process.env.APP_CPU_BENCH_PORT || 31290);
  const samples = Object.fromEntries(o.variants.map((v) => [v, []]));
  const ask = (proc, msg, key) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m[key] === undefined) return;
        proc.off('message', on);
        resolve(m[key]);
      };
      proc.on('message', on);
      proc.send(msg);
    });
  if (o.profile) require('fs').mkdirSync(o.profile, { recursive: true });
  for (let round = 1; round <= o.rounds; round++) {
    for (const variant of o.variants) {
      const proc = fork(__filename, ['--child', variant], {
        env: { ...process.env, APP_CPU_PORT: String(port), APP_CPU_SINK: `http://127.0.0.1:${sink.address().port}/api/v2/spans`, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      await new Promise((resolve, reject) => {
        proc.once('message', resolve);
        proc.once('exit', (code) => reject(new Error(`${variant} exited (${code})`)));
      });
      const url = `http://127.0.0.1:${port}/api/users/currentuser`;
      await autocannon({ url, headers: { cookie }, connections: o.connections, duration: 1 }); // warm-up (JIT, caches)
      if (o.profile) await ask(proc, { profileStart: true }, 'profiling');
      const before = await ask(proc, { cpu: true }, 'cpuMs');
      const r = await autocannon({ url, headers: { cookie }, connections: o.connections, duration: o.seconds });
      const after = await ask(proc, { cpu: true }, 'cpuMs');
      if (o.profile) await ask(proc, { profileStop: path.join(o.profile, `${variant}-${round}.cpuprofile`) }, 'profiled');
      if (r.non2xx || r.errors) throw new Error(`${variant}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      const perRequest = (after - before) / r.requests.total;
      samples[variant].push({ perRequest, rps: r.requests.average });
      console.log(`round ${round} ${variant.padEnd(16)} ${Math.round(r.requests.average).toLocaleString('en-US').padStart(7)} req/s  ${perRequest.toFixed(4)} ms CPU/request`);
      proc.kill('SIGKILL');
      await new Promise((resolve) => (proc.exitCode !== null || proc.signalCode ? resolve() : proc.once('exit', resolve)));
    }
  }
  sink.close();
  const base = (v) => samples[v] && Math.min(...samples[v].map((s) => s.perRequest));
  console.log(`\n| Variant | CPU ms/request, min | median | × Express + cookie-session |\n|---|---:|---:|---:|`);
  for (const v of o.variants) {
    const xs = samples[v].map((s) => s.perRequest).sort((a, b) => a - b);
    const ref = base('express-session');
    console.log(`| ${v} | ${xs[0].toFixed(4)} | ${xs[Math.floor(xs.length / 2)].toFixed(4)} | ${ref ? (xs[0] / ref).toFixed(2) : '–'} |`);
  }
}
