// The contract is executable: Schemathesis (scripts/schemathesis.sh installs
// the pinned version) fuzzes every operation of docs/openapi.yaml through the
// gateway of the system `npm start` starts (one transport: stan), signed in
// through the document's `session` scheme, in all four phases (examples,
// coverage, fuzzing, stateful along the document's links), with every check
// but use_after_free (e2e/contract/schemathesis.toml says why). A failure
// names the operation and the curl that reproduces it; the JUnit report is
// .local/contract/junit.xml. docs/contract-testing.md has the details.
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { REPO } from '../support/test-system';
import { startSystemUnderTest, TestSystem } from './harness';
import { eventually, User } from './user';

const START_TIMEOUT_MS = 15 * 60 * 1000;
const RUN_TIMEOUT_MS = 10 * 60 * 1000;
const CONFIG = path.join(REPO, 'e2e', 'contract', 'schemathesis.toml');
const DOCUMENT = path.join(REPO, 'docs', 'openapi.yaml');
// The config reads the seller's tickets from here (a path relative to it).
const REPORTS = path.join(REPO, '.local', 'contract');
const SELLER_TICKETS = path.join(REPORTS, 'seller-tickets.dict');
const JUNIT = path.join(REPORTS, 'junit.xml');
const SELLER_TICKET_COUNT = 40;
// A lock as long as production's: nothing lapses while the fuzzer runs.
const WINDOW_SECONDS = 900;

const print = (line: string) => process.stdout.write(`${line}\n`);

/** The st binary, installed if missing (idempotent). */
function schemathesis(): string {
  const r = spawnSync('bash', [path.join(REPO, 'scripts', 'schemathesis.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error('scripts/schemathesis.sh failed');
  return r.stdout.trim().split('\n').pop()!;
}

/** Runs st to its end; resolves its exit code and everything it printed. */
function run(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS - 30000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('the API contract (docs/openapi.yaml) against the running system on stan, fuzzed by Schemathesis', () => {
  let sys: TestSystem;
  let st: string;
  let buyer: User;
  let origin: string;
  const stamp = Date.now().toString(36);

  beforeAll(async () => {
    st = schemathesis();
    sys = await startSystemUnderTest('stan', WINDOW_SECONDS);
    origin = `http://127.0.0.1:${Number(sys.system.url.split(':').pop())}`;
    const seller = new User(origin, `contract-seller-${stamp}@example.com`);
    buyer = new User(origin, `contract-buyer-${stamp}@example.com`);
    expect((await seller.signUp()).status).toBe(201);
    expect((await buyer.signUp()).status).toBe(201);
    const ids: string[] = [];
    for (let i = 0; i < SELLER_TICKET_COUNT; i++) {
      const res = await seller.post('/api/tickets', { title: `Contract ${stamp} #${i}`, price: 10 + i });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
    }
    // The orders service knows the last of them (events arrive in order): a probe holds it, then lets it go.
    const probe = new User(origin, `contract-probe-${stamp}@example.com`);
    expect((await probe.signUp()).status).toBe(201);
    const order = await eventually('orders to know the seller’s tickets', async () => {
      const res = await probe.post('/api/orders', { ticketId: ids[ids.length - 1] });
      return res.status === 201 ? res : undefined;
    });
    expect((await probe.delete(`/api/orders/${order.body.id}`)).status).toBe(204);
    fs.mkdirSync(REPORTS, { recursive: true });
    fs.writeFileSync(SELLER_TICKETS, `${ids.map((id) => `"${id}"`).join('\n')}\n`);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  it(
    'holds for every operation: no failure of any check but use_after_free, in the examples, coverage, fuzzing and stateful phases',
    async () => {
      const session = buyer.cookies.get('session');
      expect(session).toBeTruthy();
      fs.rmSync(JUNIT, { force: true });
      const t0 = Date.now();
      const { code, output } = await run(
        st,
        ['--config-file', CONFIG, 'run', DOCUMENT, '--url', origin, '--report', 'junit', '--report-junit-path', JUNIT, '--no-color'],
        { ...process.env, CONTRACT_SESSION: session },
      );
      const seconds = ((Date.now() - t0) / 1000).toFixed(1);
      const summary = output.slice(output.lastIndexOf('\n', output.lastIndexOf(' SUMMARY ')) + 1);
      print(`[contract] schemathesis ran in ${seconds}s; JUnit: ${path.relative(REPO, JUNIT)}\n${summary}`);
      if (code !== 0) {
        // The whole report: each failure names its operation and the curl that reproduces it.
        throw new Error(`schemathesis exited ${code} after ${seconds}s:\n${output}\n\nlast service log lines:\n${sys.recentLogs()}`);
      }
      expect(fs.existsSync(JUNIT)).toBe(true);
      expect(output).toMatch(/Selected: (\d+)\/\1/);
      for (const phase of ['Coverage', 'Fuzzing', 'Stateful']) expect(output).toMatch(new RegExp(`✅ ${phase}`));
    },
    RUN_TIMEOUT_MS,
  );
});
