// The client's Content-Security-Policy: our own origin, and of third parties
// Stripe.js only (its script, its card-field frames, its API), as Stripe
// documents for Elements. Plain CommonJS: next.config.js reads it at build
// and start, the tests read it too.
'use strict';

const STRIPE_JS = 'https://js.stripe.com';
const STRIPE_HOOKS = 'https://hooks.stripe.com';
const STRIPE_API = 'https://api.stripe.com';

/** The policy; `dev` adds what `next dev` needs (eval for fast refresh, inline styles, its websocket). */
function contentSecurityPolicy({ dev = false } = {}) {
  const directives = {
    'default-src': ["'self'"],
    'script-src': ["'self'", STRIPE_JS, ...(dev ? ["'unsafe-eval'"] : [])],
    'style-src': ["'self'", ...(dev ? ["'unsafe-inline'"] : [])],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'", STRIPE_API, ...(dev ? ['ws:'] : [])],
    'frame-src': [STRIPE_JS, STRIPE_HOOKS],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
    'base-uri': ["'self'"],
    'object-src': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Every third-party origin the policy allows. */
const THIRD_PARTY_ORIGINS = [STRIPE_JS, STRIPE_HOOKS, STRIPE_API];

module.exports = { contentSecurityPolicy, THIRD_PARTY_ORIGINS };
