// jest globalSetup: the real tools the suite runs (scripts/k8s-tools.sh
// install: idempotent, seconds when everything is there; on a fresh machine
// the one-time builds, about 8 minutes, most of it the control plane).
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async () => {
  execFileSync('bash', [path.join(__dirname, '..', '..', '..', 'scripts', 'k8s-tools.sh'), 'install'], { stdio: 'inherit' });
};
