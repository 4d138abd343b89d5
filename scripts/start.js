#!/usr/bin/env node
'use strict';
// npm start      the whole system on one machine: infrastructure, the six
//                services (compiled), the client and the gateway on
//                http://localhost:8080 (GATEWAY_PORT), routed like the ingress.
// npm run dev    the same with ts-node-dev / next dev (reload on change).
//
// Environment passes through, e.g. EVENT_BUS=jetstream npm start,
// EXPIRATION_WINDOW_SECONDS=5 npm start. Ports: GATEWAY_PORT (8080),
// SERVICE_PORT_BASE (3000: client +0, auth +1, tickets +2, orders +3,
// payments +4, expiration +5, events +6, notifications +7); infrastructure ports as in scripts/infra.sh
// (Mailpit, the mail catcher: MAILPIT_UI_PORT 8025, MAILPIT_SMTP_PORT 1025).
// Logs: one stream here (service name on each line), raw JSON per service in
// .local/logs/<service>.log. Ctrl-C stops everything this command started.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const args = process.argv.slice(2);

if (args.includes('-h') || args.includes('--help')) {
  const text = fs.readFileSync(__filename, 'utf8').split('\n').slice(2, 14).map((l) => l.replace(/^\/\/ ?/, ''));
  console.log(text.join('\n'));
  console.log('\nOptions: --dev (reload on change), --no-client (API only), --no-tracing (no Zipkin, no spans; or TICKETING_TRACING=off)');
  process.exit(0);
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) {
  console.error(`Ticketing needs Node.js 20 or newer (this is ${process.version}).`);
  process.exit(1);
}

// A fresh clone has no node_modules: install them first (the one step that
// cannot be skipped; later starts find them and go straight on).
function ensureDependencies() {
  const needed = ['js-yaml', 'typescript/package.json', 'next/package.json'];
  const missing = needed.filter((m) => {
    try {
      require.resolve(m, { paths: [REPO, path.join(REPO, 'client')] });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const fresh = !fs.existsSync(path.join(REPO, 'node_modules'));
  const npmArgs = fresh ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  const t0 = Date.now();
  console.log(`▸ installing npm packages (npm ${npmArgs[0]}; missing: ${missing.join(', ')}) ...`);
  const npmCli = process.env.npm_execpath;
  const r = npmCli
    ? spawnSync(process.execPath, [npmCli, ...npmArgs], { cwd: REPO, stdio: 'inherit' })
    : spawnSync('npm', npmArgs, { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('✗ npm install failed');
    process.exit(1);
  }
  console.log(`✓ npm packages installed (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
}
ensureDependencies();

const { startSystem, formatLine, StartError } = require('./system');

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const dev = args.includes('--dev');
const controller = new AbortController();
let system;
let firstSignalAt = 0;

const out = (line) => process.stdout.write(`${line}\n`);

function onSignal(sig) {
  const now = Date.now();
  if (firstSignalAt) {
    // npm forwards the terminal's Ctrl-C as well: a second signal within 2s is the same one.
    if (now - firstSignalAt < 2000) return;
    out('▸ second interrupt: killing everything now');
    if (system) system.kill();
    process.exit(130);
  }
  firstSignalAt = now;
  out(`\n▸ ${sig}: stopping Ticketing (Ctrl-C again to kill at once) ...`);
  if (system) {
    system.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  } else {
    controller.abort();
  }
}
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
process.on('SIGHUP', () => onSignal('SIGHUP'));

(async () => {
  const t0 = Date.now();
  const eventBus = process.env.EVENT_BUS || 'stan';
  out(`Ticketing: starting on ${eventBus === 'jetstream' ? 'NATS JetStream' : 'NATS Streaming'}${dev ? ' in dev mode' : ''} ...`);
  try {
    system = await startSystem({
      eventBus,
      dev,
      client: args.includes('--no-client') ? false : 'auto',
      ...(args.includes('--no-tracing') ? { tracing: false } : {}),
      signal: controller.signal,
      log: out,
      output: (name, line) => out(formatLine(name, line, { color })),
    });
  } catch (err) {
    if (err && err.aborted) {
      out('✓ start interrupted; everything started was stopped');
      process.exit(130);
    }
    if (!(err instanceof StartError)) console.error(err);
    out('✗ Ticketing did not start');
    process.exit(1);
  }
  if (controller.signal.aborted) return;
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const bold = (s) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  out('');
  out(bold(`Ticketing is ready at ${system.url} (${secs}s)`));
  if (system.zipkinUrl) out(`  traces: ${system.zipkinUrl} (Zipkin; every request and event across the services)`);
  if (system.mailpitUrl) out(`  mail: ${system.mailpitUrl} (Mailpit; every email the notifications service sends)`);
  out(`  logs: ${path.relative(process.cwd(), system.logDir) || '.'}/<service>.log · Ctrl-C stops everything`);
  out('');
})();
