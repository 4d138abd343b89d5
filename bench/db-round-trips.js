'use strict';
// Counts a process's database round trips, by database, collection and
// command, for the bench (BENCH_DB_ROUND_TRIPS=1 loads it in every service
// through NODE_OPTIONS=--require). Each command the MongoDB driver sends on a
// connection is one round trip; the driver's own monitoring (hello) is left
// out. On SIGUSR2 the counts so far are written to
// $BENCH_DB_ROUND_TRIPS_DIR/<SERVICE_NAME or pid>.json; the bench reads them
// before and after a scenario. Not loaded unless asked: no cost otherwise.
const fs = require('fs');
const path = require('path');
const Module = require('module');

const dir = process.env.BENCH_DB_ROUND_TRIPS_DIR;
const counts = {};
const patched = new WeakSet();
const MONITORING = new Set(['hello', 'ismaster', 'isMaster', 'endSessions']);

function patch(Connection) {
  const proto = Connection.prototype;
  if (patched.has(proto)) return;
  patched.add(proto);
  const command = proto.command;
  proto.command = function countedCommand(ns, cmd, ...rest) {
    const name = cmd && Object.keys(cmd)[0];
    if (name && !MONITORING.has(name)) {
      const collection = typeof cmd[name] === 'string' ? cmd[name] : '';
      const key = `${ns && ns.db}.${collection} ${name}`;
      counts[key] = (counts[key] || 0) + 1;
    }
    return command.call(this, ns, cmd, ...rest);
  };
}

const load = Module._load;
Module._load = function loadCounted(request, ...rest) {
  const exported = load.call(this, request, ...rest);
  // Once the require chain is over: the first load of the driver's connection module is inside an import cycle (its exports still empty).
  if (/(^|[\\/])connection$/.test(request)) {
    setImmediate(() => {
      const { Connection } = exported;
      if (typeof Connection === 'function' && typeof Connection.prototype.command === 'function') patch(Connection);
    });
  }
  return exported;
};

if (dir) {
  process.on('SIGUSR2', () => {
    try {
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `${process.env.SERVICE_NAME || process.pid}.json`);
      fs.writeFileSync(`${file}.tmp`, JSON.stringify(counts));
      fs.renameSync(`${file}.tmp`, file);
    } catch {
      /* the bench reads what is there */
    }
  });
}
