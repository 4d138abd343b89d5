#!/usr/bin/env node
// Runs a command with the local infrastructure up:
//
//   node ../scripts/with-infra.js <cmd> [args...]
//
// (every workspace's `npm test`). With TICKETING_INFRA_READY=1 (the root
// runner, scripts/test.js, already started everything) it just runs the
// command. Otherwise it starts the infrastructure (scripts/infra.sh start,
// idempotent) under a lease, sets the env the services read (only variables
// not already set), runs the command, and releases the lease: the components
// this run brought up are stopped unless another run still holds a lease
// (see scripts/infra.sh). Exits with the command's exit code.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const INFRA = path.join(REPO, 'scripts', 'infra.sh');

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

// Runs a command; resolves with { code, signal, stdout? }.
function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, opts);
    let stdout = '';
    if (child.stdout) child.stdout.on('data', (d) => (stdout += d));
    child.on('error', (err) => {
      process.stderr.write(`[with-infra] cannot run ${cmd}: ${err.message}\n`);
      resolve({ code: 127, signal: null, stdout });
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout }));
    if (opts.onSpawn) opts.onSpawn(child);
  });
}

function infra(sub, extraArgs = [], extraEnv = {}) {
  return run('bash', [INFRA, sub, ...extraArgs], {
    cwd: REPO,
    env: { ...process.env, ...extraEnv },
    // infra.sh's progress goes to stderr so the command's stdout stays clean
    stdio: ['ignore', 2, 2],
  });
}

// The `export NAME=value` lines of `infra.sh env`, as an object.
async function infraEnv(env = process.env) {
  const r = await run('bash', [INFRA, 'env'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.code !== 0) throw new Error('scripts/infra.sh env failed');
  const vars = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^export ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}

// The env a test run gets: infra.sh's variables where not already set, an
// EVENT_BUS (default stan) and the NATS_URL of that bus.
async function testEnv(base = process.env) {
  const env = { ...base };
  const vars = await infraEnv(base);
  for (const [k, v] of Object.entries(vars)) {
    if (env[k] === undefined || env[k] === '') env[k] = v;
  }
  if (!env.EVENT_BUS) env.EVENT_BUS = 'stan';
  if (!env.NATS_URL) {
    env.NATS_URL = env.EVENT_BUS === 'jetstream' ? env.NATS_JETSTREAM_URL : env.NATS_STREAMING_URL;
  }
  return env;
}

// PATH with node_modules/.bin of dir and the repo root (as npm would add),
// so `node scripts/with-infra.js jest` works outside npm too.
function withBinPath(env, dir) {
  const parts = (env.PATH || '').split(path.delimiter).filter(Boolean);
  const bins = [path.join(dir, 'node_modules', '.bin'), path.join(REPO, 'node_modules', '.bin')]
    .filter((b, i, a) => a.indexOf(b) === i && fs.existsSync(b) && !parts.includes(b));
  return { ...env, PATH: [...bins, ...parts].join(path.delimiter) };
}

function exitCodeOf({ code, signal }) {
  if (code !== null && code !== undefined) return code;
  return 128 + (SIGNAL_NUMBERS[signal] || 1);
}

async function main() {
  const [cmd, ...args] = process.argv.slice(2);
  if (!cmd) {
    process.stderr.write('usage: node scripts/with-infra.js <cmd> [args...]\n');
    process.exit(2);
  }

  let child = null;
  let stopping = null; // the signal that asked us to stop
  const onSignal = (sig) => {
    if (!stopping) stopping = sig;
    if (child && child.exitCode === null) {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);

  const ready = process.env.TICKETING_INFRA_READY === '1';
  const lease = String(process.pid);
  let code;
  try {
    if (!ready) {
      const started = await infra('start', [], { TICKETING_INFRA_LEASE: lease });
      if (started.code !== 0) {
        process.stderr.write('[with-infra] scripts/infra.sh start failed\n');
        code = 1;
      }
    }
    if (code === undefined && stopping) code = exitCodeOf({ signal: stopping });
    if (code === undefined) {
      const env = withBinPath(await testEnv(process.env), process.cwd());
      env.TICKETING_INFRA_READY = '1';
      const r = await run(cmd, args, {
        stdio: 'inherit',
        env,
        onSpawn: (c) => {
          child = c;
          if (stopping) c.kill(stopping);
        },
      });
      code = exitCodeOf(r);
    }
  } catch (err) {
    process.stderr.write(`[with-infra] ${err.stack || err}\n`);
    code = 1;
  } finally {
    if (!ready) {
      const r = await infra('release', [lease]);
      if (r.code !== 0) process.stderr.write('[with-infra] scripts/infra.sh release failed\n');
    }
  }
  process.exit(code);
}

module.exports = { REPO, INFRA, run, infra, infraEnv, testEnv, withBinPath, exitCodeOf, SIGNALS };

if (require.main === module) main();
