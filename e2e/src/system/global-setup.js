// jest globalSetup: runs in jest's own process, outside the test sandbox (a
// test's `process.on('SIGINT')` never reaches the real process). If jest is
// interrupted (Ctrl-C on `npm test`) or exits while a system under test is
// up, kill that system's processes and end its infrastructure lease instead
// of leaving them running. stop() in afterAll is the normal path; this only
// acts on systems still recorded (scripts/system.js state files) for this
// process, in any infra.sh instance under .local/ (system and browser tests).
const fs = require('fs');
const path = require('path');
const { killRecordedSync, REPO } = require('../../../scripts/system.js');

function localDirs() {
  const root = path.join(REPO, '.local');
  const dirs = new Set([root]);
  for (const d of [process.env.E2E_LOCAL_DIR, process.env.E2E_BROWSER_LOCAL_DIR]) if (d) dirs.add(path.resolve(d));
  try {
    for (const e of fs.readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory() && fs.existsSync(path.join(root, e.name, 'run'))) dirs.add(path.join(root, e.name));
    }
  } catch {
    /* no .local yet */
  }
  return [...dirs];
}

module.exports = async () => {
  if (global.__ticketingEmergencyStop) return;
  global.__ticketingEmergencyStop = true;
  const cleanup = () => localDirs().reduce((n, dir) => n + killRecordedSync(dir, process.pid), 0);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      const killed = cleanup();
      process.stdout.write(`\n[system] ${sig}: killed ${killed} process(es) of the system under test\n`);
      process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGTERM' ? 143 : 129);
    });
  }
  process.once('exit', cleanup);
};
