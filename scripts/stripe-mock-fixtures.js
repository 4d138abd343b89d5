#!/usr/bin/env node
// stripe-mock's bundled fixtures with one change: the canned PaymentIntent is
// the one a successful confirm returns. stripe-mock keeps no state and answers
// every PaymentIntent request with its fixture, which is `requires_payment_method`
// (with a placeholder error and next action); the system runs (npm start, the
// e2e and browser suites) pay through it. Declines, 3-D Secure and processing
// are scripted in the payments service's own tests.
//
//   node scripts/stripe-mock-fixtures.js <bundled fixtures3.json> <out.json>
'use strict';

const fs = require('fs');

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: stripe-mock-fixtures.js <fixtures3.json> <out.json>\n');
  process.exit(2);
}
const fixtures = JSON.parse(fs.readFileSync(input, 'utf8'));
const intent = fixtures.resources && fixtures.resources.payment_intent;
const charge = fixtures.resources && fixtures.resources.charge;
if (!intent || !charge) throw new Error(`${input}: no payment_intent or charge fixture`);
Object.assign(intent, {
  status: 'succeeded',
  amount_received: intent.amount,
  latest_charge: charge.id,
  last_payment_error: null,
  next_action: null,
  canceled_at: null,
  cancellation_reason: null,
  processing: null,
});
fs.writeFileSync(output, JSON.stringify(fixtures));
