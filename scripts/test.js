#!/usr/bin/env node
// The root `npm test`:
//   1. scripts/infra.sh install, then start (under a lease: see infra.sh);
//   2. type check and build: tsc -b over the TypeScript workspaces, then a
//      type check of the tests (tsconfig.tests.json), then ESLint over the
//      whole repository (eslint.config.mjs; no errors allowed), then the
//      import-circle check over common, the services and the client
//      (`npm run circles`);
//   3. every workspace's jest suite, one after the other, all of them even
//      when one fails;
//   4. release the infrastructure (what this run started is stopped, what was
//      already running is left alone), print a summary, exit non-zero if any
//      step or suite failed.
// Env: TEST_SUITES="auth tickets" runs only those suites; extra arguments are
// passed to every jest (e.g. `npm test -- --testNamePattern foo`).
'use strict';

const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { REPO, run, infra, testEnv, withBinPath, exitCodeOf, SIGNALS } = require('./with-infra');

const BUILD = ['common', 'auth', 'tickets', 'orders', 'expiration', 'payments', 'events', 'notifications'];
const SUITES = ['common', 'auth', 'tickets', 'orders', 'expiration', 'payments', 'events', 'notifications', 'client', 'infra', 'e2e'];

const has = (ws, file) => fs.existsSync(path.join(REPO, ws, file));
const secs = (t0) => (Date.now() - t0) / 1000;
const say = (s) => process.stdout.write(`${s}\n`);

function banner(title) {
  const line = '='.repeat(72);
  say(`\n${line}\n== ${title}\n${line}`);
}

async function main() {
  const jestArgs = process.argv.slice(2);
  let current = null; // running child
  let stopping = null;
  const onSignal = (sig) => {
    if (!stopping) {
      stopping = sig;
      process.stderr.write(`\n[test] ${sig}: stopping\n`);
    }
    if (current && current.exitCode === null) {
      try {
        current.kill(sig);
      } catch {
        /* gone */
      }
    }
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);
  const track = (c) => {
    current = c;
    if (stopping) c.kill(stopping);
  };

  const lease = String(process.pid);
  const steps = []; // { name, ok, seconds }
  const results = []; // { suite, result, seconds }
  const t0all = Date.now();

  const step = async (name, fn) => {
    if (stopping) return false;
    banner(name);
    const t0 = Date.now();
    const ok = await fn();
    steps.push({ name, ok, seconds: secs(t0) });
    if (!ok) say(`[test] step failed: ${name}`);
    return ok;
  };

  try {
    // 1. infrastructure
    await step('infra: install', async () => (await infra('install', [], {})).code === 0);
    await step('infra: start', async () => {
      const r = await infra('start', [], { TICKETING_INFRA_LEASE: lease });
      return r.code === 0;
    });

    const env = withBinPath(await testEnv(process.env), REPO);
    env.TICKETING_INFRA_READY = '1';
    if (!env.CI) env.CI = 'true';
    say(`\n[test] MONGO_URI=${env.MONGO_URI} EVENT_BUS=${env.EVENT_BUS} NATS_URL=${env.NATS_URL}`);
    // The Node the suites run on (npx and jest resolve `node` through PATH; .ci/run's second pass puts 24 first).
    const suiteNode = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
    say(`[test] node ${process.version} (runner), ${suiteNode || 'not found'} (suites)`);

    // 2. type check + build
    const buildable = BUILD.filter((ws) => has(ws, 'tsconfig.json'));
    if (buildable.length > 0) {
      await step(`build: tsc -b ${buildable.join(' ')}`, async () => {
        const r = await run('npx', ['tsc', '-b', ...buildable], { cwd: REPO, env, stdio: 'inherit', onSpawn: track });
        return r.code === 0;
      });
    }

    // 2b. the tests themselves are TypeScript strict too (builds exclude them; ts-jest only transpiles)
    if (has('.', 'tsconfig.tests.json')) {
      await step('type check: tests', async () => {
        const r = await run('npx', ['tsc', '-p', 'tsconfig.tests.json'], { cwd: REPO, env, stdio: 'inherit', onSpawn: track });
        return r.code === 0;
      });
    }

    // 2c. lint (flat config at the root: every workspace, scripts, bench)
    if (has('.', 'eslint.config.mjs')) {
      await step('lint: eslint', async () => {
        const r = await run('npx', ['eslint', '--max-warnings', '0', '.'], { cwd: REPO, env, stdio: 'inherit', onSpawn: track });
        return r.code === 0;
      });
    }

    // 2d. no import circles in common, a service or the client (madge exits non-zero on any)
    await step('circles: madge', async () => {
      const r = await run('npm', ['run', '--silent', 'circles'], { cwd: REPO, env, stdio: 'inherit', onSpawn: track });
      return r.code === 0;
    });

    // 3. suites
    const only = (process.env.TEST_SUITES || '').split(/[\s,]+/).filter(Boolean);
    const suites = SUITES.filter((ws) => has(ws, 'jest.config.js') && (only.length === 0 || only.includes(ws)));
    for (const ws of suites) {
      if (stopping) break;
      banner(`suite: ${ws}`);
      const t0 = Date.now();
      const r = await run('npx', ['jest', '--ci', ...jestArgs], {
        cwd: path.join(REPO, ws),
        env: withBinPath(env, path.join(REPO, ws)),
        stdio: 'inherit',
        onSpawn: track,
      });
      const code = exitCodeOf(r);
      const seconds = secs(t0);
      results.push({ suite: ws, result: code === 0 ? 'passed' : `FAILED (exit ${code})`, seconds });
      say(`[test] ${ws}: ${code === 0 ? 'passed' : 'FAILED'} in ${seconds.toFixed(1)}s`);
    }
  } catch (err) {
    process.stderr.write(`[test] ${err.stack || err}\n`);
    steps.push({ name: 'runner', ok: false, seconds: 0 });
  } finally {
    // 4. release what this run started
    current = null;
    banner('infra: release');
    const r = await infra('release', [lease]);
    if (r.code !== 0) steps.push({ name: 'infra: release', ok: false, seconds: 0 });
  }

  // summary
  banner('summary');
  const w = Math.max(24, ...steps.map((s) => s.name.length), ...results.map((s) => s.suite.length));
  const row = (a, b, c) => say(`${a.padEnd(w)}  ${b.padEnd(22)}  ${c.padStart(8)}`);
  row('step / suite', 'result', 'seconds');
  row('-'.repeat(w), '-'.repeat(22), '-'.repeat(8));
  for (const s of steps) row(s.name, s.ok ? 'ok' : 'FAILED', s.seconds.toFixed(1));
  for (const s of results) row(s.suite, s.result, s.seconds.toFixed(1));
  const passed = results.filter((s) => s.result === 'passed').length;
  const failed = results.length - passed;
  const stepsFailed = steps.filter((s) => !s.ok).length;
  say(`\ntotal ${secs(t0all).toFixed(1)}s${stepsFailed ? `; ${stepsFailed} step(s) failed` : ''}${stopping ? `; interrupted by ${stopping}` : ''}`);
  say(`${passed} passed, ${failed} failed`);

  let code = failed > 0 || stepsFailed > 0 ? 1 : 0;
  if (stopping) code = exitCodeOf({ signal: stopping });
  process.exit(code);
}

main();
