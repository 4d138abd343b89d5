#!/usr/bin/env node
// `npm audit --omit=dev` for CI: fails on any high or critical advisory in
// what production installs. A registry that cannot answer advisory queries
// (a mirror that allows only GET, or no network) is reported loudly and does
// not fail the run: there is nothing to judge then, and docs/security.md says so.
'use strict';

const { spawnSync } = require('child_process');
const path = require('path');

const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], {
  cwd: path.resolve(__dirname, '..'),
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
});
let report;
try {
  report = JSON.parse(r.stdout);
} catch {
  process.stderr.write(`[audit] npm audit gave no report (exit ${r.status}):\n${r.stderr}\n`);
  process.exit(1);
}

if (report.metadata?.vulnerabilities) {
  const v = report.metadata.vulnerabilities;
  const serious = (v.high ?? 0) + (v.critical ?? 0);
  process.stdout.write(`[audit] production dependencies: ${v.critical ?? 0} critical, ${v.high ?? 0} high, ${v.moderate ?? 0} moderate, ${v.low ?? 0} low\n`);
  if (serious > 0) {
    for (const [name, info] of Object.entries(report.vulnerabilities ?? {})) {
      if (['high', 'critical'].includes(info.severity)) process.stdout.write(`[audit]   ${info.severity}: ${name} (${info.range})\n`);
    }
    process.exit(1);
  }
  process.exit(0);
}

const why = report.message || report.error?.summary || 'unknown error';
process.stdout.write(`[audit] WARNING: the registry could not answer the advisory query (${why}); no advisory data, nothing audited\n`);
process.exit(0);
