const { contentSecurityPolicy, inlineScriptHashes, newNonce, THIRD_PARTY_ORIGINS } = require('../lib/csp');
import crypto from 'crypto';
import { NextRequest } from 'next/server';
import { config as proxyConfig, proxy } from '../proxy';

const parse = (policy: string) =>
  Object.fromEntries(policy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)])) as Record<string, string[]>;
const origins = (policy: string) => Object.values(parse(policy)).flat().filter((s) => /^https?:\/\//.test(s));

describe('the Content-Security-Policy', () => {
  const prod = parse(contentSecurityPolicy());

  it('allows Stripe.js (script, card frames, API) and no other third party', () => {
    expect(prod['script-src']).toEqual(["'self'", 'https://js.stripe.com']);
    expect(prod['frame-src']).toEqual(['https://js.stripe.com', 'https://hooks.stripe.com']);
    expect(prod['connect-src']).toEqual(["'self'", 'https://api.stripe.com']);
    expect([...new Set(origins(contentSecurityPolicy()))].sort()).toEqual([...THIRD_PARTY_ORIGINS].sort());
    expect(THIRD_PARTY_ORIGINS.every((o: string) => /^https:\/\/[a-z]+\.stripe\.com$/.test(o))).toBe(true);
  });

  it('in production: no inline or eval script, no plugins, no framing, forms only to us', () => {
    expect(contentSecurityPolicy()).not.toMatch(/unsafe-(inline|eval)/);
    expect(prod['default-src']).toEqual(["'self'"]);
    expect(prod['object-src']).toEqual(["'none'"]);
    expect(prod['frame-ancestors']).toEqual(["'none'"]);
    expect(prod['form-action']).toEqual(["'self'"]);
    expect(prod['base-uri']).toEqual(["'self'"]);
  });

  it("adds only what `next dev` needs in development, still with no other third party", () => {
    const dev = contentSecurityPolicy({ dev: true });
    expect(parse(dev)['script-src']).toContain("'unsafe-eval'");
    expect([...new Set(origins(dev))].sort()).toEqual([...THIRD_PARTY_ORIGINS].sort());
  });

  it("allows inline scripts only with the page's nonce or a listed hash", () => {
    const withNonce = parse(contentSecurityPolicy({ nonce: 'abc123==', scriptHashes: ["'sha256-xyz='"] }));
    expect(withNonce['script-src']).toEqual(["'self'", "'nonce-abc123=='", "'sha256-xyz='", 'https://js.stripe.com']);
    const nonces = new Set(Array.from({ length: 50 }, () => newNonce()));
    expect(nonces.size).toBe(50);
    for (const n of nonces) expect(Buffer.from(n, 'base64')).toHaveLength(16);
  });

  it('hashes the inline scripts of a prerendered page, not its JSON data or external scripts', () => {
    const boot = '(globalThis["TURBOPACK"] || (globalThis["TURBOPACK"] = [])).push({"otherChunks":[]});';
    const html = `<html><body><script>${boot}</script><script src="/_next/static/a.js" defer=""></script><script id="__NEXT_DATA__" type="application/json">{"page":"/404"}</script></body></html>`;
    const expected = `'sha256-${crypto.createHash('sha256').update(boot).digest('base64')}'`;
    expect(inlineScriptHashes(html)).toEqual([expected]);
  });

  it('is sent on every page by proxy.ts, with a fresh nonce that Next reads from the request', () => {
    const saved = process.env.NODE_ENV;
    (process.env as Record<string, string>).NODE_ENV = 'production';
    try {
      const policies = [1, 2].map(() => {
        const res = proxy(new NextRequest('http://localhost:3000/auth/signin'));
        const policy = res.headers.get('content-security-policy')!;
        // NextResponse.next({ request: { headers } }): the page's request carries the same policy.
        expect(res.headers.get('x-middleware-request-content-security-policy')).toBe(policy);
        return policy;
      });
      const nonceOf = (p: string) => /'nonce-([^']+)'/.exec(p)![1];
      expect(nonceOf(policies[0])).not.toBe(nonceOf(policies[1]));
      expect(policies[0].replace(/'nonce-[^']+'/, "'nonce-N'")).toBe(
        contentSecurityPolicy({ nonce: 'N', scriptHashes: parse(policies[0])['script-src'].filter((s) => s.startsWith("'sha256-")) }),
      );
      // Pages only: the build's static files and the API routes are not matched.
      const matcher = new RegExp(`^${proxyConfig.matcher[0]}$`);
      expect(['/', '/auth/signin', '/tickets/abc', '/nowhere'].every((p) => matcher.test(p))).toBe(true);
      expect(['/_next/static/chunks/a.js', '/api/healthz', '/favicon.svg'].some((p) => matcher.test(p))).toBe(false);
    } finally {
      (process.env as Record<string, string>).NODE_ENV = saved!;
    }
  });
});
