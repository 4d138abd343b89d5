'use strict';
// The markdown table of one bench run (bench/results/<time>.json).
//   node bench/table.js bench/results/<file>.json   prints it again
const fs = require('fs');

const fmt = (x, d = 0) => (x === undefined || x === null || Number.isNaN(x) ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d }));
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)} ×` : '–');

const HTTP_ROWS = [
  ['floor', 'floor: bare Node http, currentuser JSON', ''],
  ['framework-express', 'framework floor: Express 4 alone, same JSON (its own CPU)', ''],
  ['framework-session', 'framework floor: Express 4 + cookie-session, same cookie (its own CPU)', ''],
  ['framework-gateway', 'gateway floor: the same nginx in front of the bare floor (nginx CPU)', ''],
  ['currentuser', 'GET /api/users/currentuser via gateway', '≥ 0.35 ×, p99 ≤ 50 ms'],
  ['currentuser-direct', "GET /api/users/currentuser on auth's port", '≥ 0.3 ×'],
  ['signin', 'POST /api/users/signin via gateway', ''],
  ['list', 'GET /api/tickets (50 newest)', ''],
  ['show', 'GET /api/tickets/:id', ''],
  ['create', 'POST /api/tickets', ''],
  ['edit', 'PUT /api/tickets/:id (own ticket per connection)', ''],
  ['order', 'POST /api/orders (distinct tickets)', ''],
  ['order-burst', 'POST /api/orders: 200 orders, 20 in flight (distinct tickets)', '≥ 100 /s (the original: 17.6 /s)'],
  ['order-burst-4', 'POST /api/orders: 200 orders of 4 seats, 20 in flight (distinct listings)', '≥ 100 /s'],
  ['pay', 'POST /api/payments: 100 payments, 20 in flight (distinct orders, stripe-mock)', '≥ 60 /s'],
  ['list@10k', 'GET /api/tickets (50 newest) at 10,000 tickets', '≥ 200 req/s'],
  ['list-event@10k', "GET /api/tickets?eventId=…&sort=price (one event's 200 of 10,000 tickets)", 'p50 ≤ 50 ms'],
  ['show@10k', 'GET /api/tickets/:id at 10,000 tickets', '≥ 1,000 req/s'],
];

function markdown(run) {
  const R = run.results;
  const floor = R.floor && R.floor.rps;
  const t = run.target || {};
  const lines = [];
  lines.push(
    `### Bench${run.label ? ` “${run.label}”` : ''}: ${t.branch || '?'} ${t.commit || ''}${t.dirty ? ' (uncommitted changes)' : ''}, ${run.startedAt.replace('T', ' ').replace(/\..*/, ' UTC')}`,
  );
  lines.push('');
  lines.push(
    `${run.machine.cpus} cores, node ${run.machine.node}, ${run.options.eventBus}, tracing ${run.options.tracing === false ? 'off' : `on${run.sampling ? ` (${run.sampling})` : ''}`}; load average before ${run.loadBefore.loadavg.join(' / ')}` +
      `${run.loadAfter ? `, after ${run.loadAfter.loadavg.join(' / ')}` : ''}. ` +
      `HTTP rows: autocannon, ${run.options.duration} s or a fixed count; ratio = req/s ÷ the floor's req/s in this run.`,
  );
  if (run.limits) {
    lines.push('');
    lines.push(`Abuse limits raised for the bench (one address, one buyer; the limiters still run): ${Object.entries(run.limits).map(([k, v]) => `${k}=${v}`).join(', ')}.`);
  }
  lines.push('');
  const withDb = HTTP_ROWS.some(([key]) => R[key] && R[key].databaseCpuMsPerRequest !== undefined);
  lines.push(`| Scenario | conns | req/s | p50 ms | p99 ms | non-2xx / errors | ratio | goal | service CPU ms/req |${withDb ? ' database CPU ms/req |' : ''}`);
  lines.push(`|---|---:|---:|---:|---:|---:|---:|---|---:|${withDb ? '---:|' : ''}`);
  for (const [key, what, goal] of HTTP_ROWS) {
    const r = R[key];
    if (!r) continue;
    if (r.skipped) {
      lines.push(`| ${what} | | | | | | | skipped: ${r.skipped} | |`);
      continue;
    }
    lines.push(
      `| ${what} | ${r.connections} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${r.non2xx} / ${r.errors} | ${key === 'floor' ? '1.00 ×' : ratio(floor ? r.rps / floor : NaN)} | ${goal} | ${fmt(r.serviceCpuMsPerRequest, r.serviceCpuMsPerRequest < 1 ? 3 : 2)} |${withDb ? ` ${fmt(r.databaseCpuMsPerRequest, r.databaseCpuMsPerRequest < 1 ? 3 : 2)} |` : ''}`,
    );
  }
  const ev = [];
  if (R.propagation) {
    const p = R.propagation;
    ev.push(`| ticket created → in orders' replica, idle | ${p.n} | ${fmt(p.p50, 1)} | ${fmt(p.p99, 1)} | lost ${p.lostAfter30s} | p50 ≤ 40, p99 ≤ 100 |`);
  }
  if (R.writers) {
    const w = R.writers;
    ev.push(
      `| the same while ${w.writers} users edit (${fmt(w.writesPerSecond, 1)} writes/s; PUT p50 ${fmt(w.put.p50, 1)} / p99 ${fmt(w.put.p99, 1)} ms; ${w.failedWrites} failed) | ${w.propagation.n} | ${fmt(w.propagation.p50, 1)} | ${fmt(w.propagation.p99, 1)} | lost ${w.propagation.lostAfter30s} | p99 ≤ 500 |`,
    );
  }
  for (const s of R.scale || []) {
    ev.push(`| propagation idle at ${fmt(s.tickets)} tickets | ${s.propagation.n} | ${fmt(s.propagation.p50, 1)} | ${fmt(s.propagation.p99, 1)} | lost ${s.propagation.lostAfter30s} | does not grow with the collection |`);
  }
  if (ev.length) {
    lines.push('');
    if (R.settleMs) {
      const waits = Object.entries(R.settleMs).map(([k, v]) => `before ${k} ${v === null ? 'never (gave up after 300 s)' : `${fmt(v / 1000, 1)} s`}`);
      lines.push(`Each event row starts once the system is quiet (no outbox marker left, nothing unacked at the broker): ${waits.join(', ')}.`);
      lines.push('');
    }
    lines.push('| Event propagation (ms) | samples | p50 | p99 | | goal |');
    lines.push('|---|---:|---:|---:|---|---|');
    lines.push(...ev);
  }
  if (R.at10k) {
    const a = R.at10k;
    const row = (what, api, driver) =>
      api && driver
        ? `| ${what} | ${fmt(api.rps)} | ${fmt(api.p50, 1)} / ${fmt(api.p99, 1)} | ${fmt(driver.rps)} | ${fmt(driver.p50, 1)} / ${fmt(driver.p99, 1)} | ${ratio(api.rps / driver.rps)} |`
        : null;
    lines.push('');
    lines.push(`| At ${fmt(a.tickets)} tickets | via gateway req/s | p50 / p99 ms | same query on the driver (20 at once) /s | p50 / p99 ms | gateway ÷ driver |`);
    lines.push('|---|---:|---:|---:|---:|---:|');
    for (const l of [
      row('GET /api/tickets (50 newest)', R['list@10k'], a.listDriver),
      row("GET /api/tickets?eventId=…&sort=price (one event's 200)", R['list-event@10k'], a.listEventDriver),
      row('GET /api/tickets/:id', R['show@10k'], a.showDriver),
    ])
      if (l) lines.push(l);
  }
  if (R['orders-at-once']) {
    const a = R['orders-at-once'];
    lines.push('');
    lines.push('| Orders at once | buyers at once | rounds | answers | not 201 | p50 / p99 / max ms | goal |');
    lines.push('|---|---:|---:|---:|---:|---:|---|');
    lines.push(`| POST /api/orders, a distinct ticket each | ${fmt(a.buyers)} | ${fmt(a.rounds)} | ${fmt(a.n)} | ${fmt(a.refused)} | ${fmt(a.p50, 1)} / ${fmt(a.p99, 1)} / ${fmt(a.max, 1)} | ≤ the original's 278–293 / 516–523 |`);
  }
  if (R.rush) {
    const r = R.rush;
    const cpu = Object.entries(r.cpuMsPerOrder).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ');
    lines.push('');
    lines.push('| On-sale rush | buyers at once | orders | orders/s | POST /api/orders p50 / p99 ms (attempts) | 5xx | seats listed / won / sold (orders, tickets) | CPU ms per order | goal |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---|---|');
    lines.push(
      `| ${fmt(r.listings)} listings × 4 seats | ${fmt(r.buyers)} | ${fmt(r.orders)} | ${fmt(r.ordersPerSecond, 1)} | ${fmt(r.p50, 1)} / ${fmt(r.p99, 1)} (${fmt(r.attempts)}) | ${r.serverErrors} | ${fmt(r.seatsListed)} / ${fmt(r.seatsWon)} / ${fmt(r.seatsSoldByOrders)}, ${fmt(r.seatsSoldByTickets)} | ${cpu}; database ${fmt(r.databaseCpuMsPerOrder, 1)} | every seat sold once, 0 5xx, p99 ≤ 1,500 ms |`,
    );
  }
  if (R.cancelEvent && R.cancelEvent.length) {
    lines.push('');
    lines.push('| Event cancelled | paid orders | cancel → every payment refunded, ms | cancel → every order `refunded`, ms |');
    lines.push('|---|---:|---:|---:|');
    for (const c of R.cancelEvent) lines.push(`| buyer guarantee | ${fmt(c.orders)} | ${fmt(c.refundedMs)} | ${fmt(c.ordersRefundedMs)} |`);
  }
  if (R.payEmail) {
    const e = R.payEmail;
    lines.push('');
    lines.push('| Payment → its email (during `pay`) | payments | emails sent | p50 / p99 / max ms |');
    lines.push('|---|---:|---:|---:|');
    lines.push(`| success write → SMTP accepted | ${fmt(e.payments)} | ${fmt(e.emails)} | ${fmt(e.p50, 0)} / ${fmt(e.p99, 0)} / ${fmt(e.max, 0)} |`);
    if (e.notificationsCpuMsPerPayment !== undefined) {
      lines.push('');
      lines.push(`Notifications' CPU from the first payment to the last of its ${fmt(e.allEmailsSent)} emails (buyers' and sellers'): ${fmt(e.notificationsCpuMsPerPayment, 2)} ms per payment.`);
    }
  }
  if (R.waitlist) {
    const w = R.waitlist;
    lines.push('');
    lines.push('| Waiting list | buyers waiting | seats back (bursts of 20) | offers | offers/s | cancel → offer p50 / p99 ms | still waiting | errors |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    lines.push(`| 5 listings × 20 seats | ${fmt(w.buyers)} | ${fmt(w.seatsBack)} | ${fmt(w.offers)} | ${fmt(w.offersPerSecond, 1)} | ${fmt(w.cancelToOffer.p50, 1)} / ${fmt(w.cancelToOffer.p99, 1)} | ${fmt(w.stillWaiting)} | ${w.errors} |`);
  }
  if (R.sustained && R.sustained.length) {
    lines.push('');
    lines.push('| Sustained writes (closed loop) | seconds | writes/s | PUT p50 / p99 ms | failed | events published/s | outbox backlog max / final | probe lag p50 / p99 ms (n, lost) |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const w of R.sustained) {
      lines.push(
        `| ${w.writers} writers | ${fmt(w.seconds, 0)} | ${fmt(w.writesPerSecond, 1)} | ${fmt(w.put.p50, 1)} / ${fmt(w.put.p99, 1)} | ${w.failedWrites} | ${fmt(w.eventsPublishedPerSecond, 1)} | ${fmt(w.backlogMax)} / ${fmt(w.backlogFinal)} | ${fmt(w.probeLag.p50, 1)} / ${fmt(w.probeLag.p99, 1)} (${w.probeLag.n}, ${w.probeLag.lostAfter30s}) |`,
      );
    }
  }
  if (R.scale && R.scale.length) {
    lines.push('');
    lines.push('| List (50 newest) at | via gateway p50 ms | same query on the driver p50 ms | ratio | goal |');
    lines.push('|---|---:|---:|---:|---|');
    for (const s of R.scale) lines.push(`| ${fmt(s.tickets)} tickets | ${fmt(s.list.p50, 1)} | ${fmt(s.driver.p50, 1)} | ${ratio(s.ratio)} | ≤ 1.2 × at 10k |`);
  }
  if (R.dbFloor) {
    lines.push('');
    lines.push(
      `Database floor (driver, FerretDB): insertOne p50 ${fmt(R.dbFloor.insertOne.p50, 1)} ms / p99 ${fmt(R.dbFloor.insertOne.p99, 1)} ms; findOne by _id p50 ${fmt(R.dbFloor.findOneById.p50, 1)} ms / p99 ${fmt(R.dbFloor.findOneById.p99, 1)} ms.`,
    );
  }
  if (R.rss) {
    lines.push('');
    lines.push(`Idle RSS (MB, goal < 150 per service): ${Object.entries(R.rss).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
  }
  if (R.start) {
    lines.push('');
    lines.push(
      `Start to ready: first ${fmt(R.start.firstStartMs / 1000, 1)} s${R.start.secondStartMs ? `, second ${fmt(R.start.secondStartMs / 1000, 1)} s` : ''}.`,
    );
  }
  return `${lines.join('\n')}\n`;
}

module.exports = { markdown };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node bench/table.js bench/results/<file>.json');
    process.exit(2);
  }
  process.stdout.write(markdown(JSON.parse(fs.readFileSync(file, 'utf8'))));
}
