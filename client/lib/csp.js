// The client's Content-Security-Policy: our own origin, and of third parties
// Stripe.js only (its script, its card-field frames, its API), as Stripe
// documents for Elements. Next's production pages carry one inline script (the
// Turbopack bootstrap), so scripts also need the page's nonce: proxy.ts makes
// one per request and Next stamps it on its own scripts. The pages Next
// prerenders at build (404, 500) cannot carry a request's nonce: their inline
// scripts are allowed by hash instead. Plain CommonJS: the proxy and the tests
// read it.
'use strict';

const { createHash } = require('crypto');
const fs = require('fs');
const path = require('path');

const STRIPE_JS = 'https://js.stripe.com';
const STRIPE_HOOKS = 'https://hooks.stripe.com';
const STRIPE_API = 'https://api.stripe.com';

/**
 * The policy. `nonce` allows the inline scripts stamped with it (no other
 * inline script runs); `dev` adds what `next dev` needs (eval for fast
 * refresh, inline styles, its websocket).
 */
function contentSecurityPolicy({ dev = false, nonce, scriptHashes = [] } = {}) {
  const directives = {
    'default-src': ["'self'"],
    'script-src': [
      "'self'",
      ...(nonce ? [`'nonce-${nonce}'`] : []),
      ...scriptHashes,
      STRIPE_JS,
      ...(dev ? ["'unsafe-eval'"] : []),
    ],
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

/** A fresh nonce: 128 random bits, base64 (Web Crypto, as in the proxy's runtime). */
function newNonce() {
  return btoa(String.fromCharCode(...globalThis.crypto.getRandomValues(new Uint8Array(16))));
}

const INLINE_SCRIPT = /<script(?![^>]*\bsrc=)([^>]*)>([\s\S]*?)<\/script>/g;

/** `'sha256-…'` sources for the inline scripts of a page's HTML (JSON data blocks do not run and need none). */
function inlineScriptHashes(html) {
  const hashes = [];
  for (const [, attributes, body] of html.matchAll(INLINE_SCRIPT)) {
    if (/\btype=["']?application\/json/.test(attributes) || !body) continue;
    hashes.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/** The hashes for the pages Next prerenders at build (the build's 404 and 500 pages); none without a build (next dev). */
function prerenderedScriptHashes() {
  const read = (file) => {
    try {
      return fs.readFileSync(path.join(process.cwd(), '.next', 'server', 'pages', file), 'utf8');
    } catch {
      return '';
    }
  };
  return [...new Set([...inlineScriptHashes(read('404.html')), ...inlineScriptHashes(read('500.html'))])].sort();
}

/** Every third-party origin the policy allows. */
const THIRD_PARTY_ORIGINS = [STRIPE_JS, STRIPE_HOOKS, STRIPE_API];

module.exports = { contentSecurityPolicy, newNonce, inlineScriptHashes, prerenderedScriptHashes, THIRD_PARTY_ORIGINS };
