// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contentSecurityPolicy, THIRD_PARTY_ORIGINS } = require('../lib/csp');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nextConfig = require('../next.config.js');

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

  it('is sent on every page by next.config.js', async () => {
    const saved = process.env.NODE_ENV;
    (process.env as Record<string, string>).NODE_ENV = 'production';
    try {
      const [rule] = await nextConfig.headers();
      expect(rule.source).toBe('/:path*');
      expect(rule.headers).toContainEqual({ key: 'Content-Security-Policy', value: contentSecurityPolicy() });
    } finally {
      (process.env as Record<string, string>).NODE_ENV = saved!;
    }
  });
});
