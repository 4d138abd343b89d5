// Next.js configuration for the Ticketing client (pages router).
//
// Telemetry: Next's anonymous telemetry is switched off by the environment,
// not here: set NEXT_TELEMETRY_DISABLED=1 for `next build` and `next start`
// (the Dockerfile/CI/start scripts do; see client/README.md).
const path = require('path');

// The npm workspace root: hoisted node_modules live there, so both the
// bundler and the standalone output's file tracing must look from it.
const workspaceRoot = path.join(__dirname, '..');

/** @type {import('next').NextConfig} */
module.exports = {
  reactStrictMode: true,
  poweredByHeader: false,
  // For the Docker image build with NEXT_OUTPUT=standalone:
  // `.next/standalone/` (server.js under client/) + `.next/static` + `public`
  // then run with `node client/server.js` (PORT, HOSTNAME). Opt-in, because
  // `next start` (local runs) warns when the build was standalone.
  output: process.env.NEXT_OUTPUT === 'standalone' ? 'standalone' : undefined,
  outputFileTracingRoot: workspaceRoot,
  turbopack: { root: workspaceRoot },
  // GET /api/docs reads these at run time (lib/api-docs.ts): the standalone
  // output must carry them.
  serverExternalPackages: ['swagger-ui-dist'],
  outputFileTracingIncludes: {
    '/api/docs/[asset]': ['../docs/openapi.yaml', '../node_modules/swagger-ui-dist/swagger-ui.css', '../node_modules/swagger-ui-dist/swagger-ui-bundle.js'],
  },
  // Every response: the usual hardening headers. The Content-Security-Policy
  // is per page, with its nonce: proxy.ts.
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
          { key: 'X-Frame-Options', value: 'DENY' },
        ],
      },
    ];
  },
  // The probes answer on the client's own port, outside /api (which the
  // gateway and the ingress send to the services, never to this process).
  async rewrites() {
    return [
      { source: '/healthz', destination: '/api/healthz' },
      { source: '/readyz', destination: '/api/readyz' },
    ];
  },
};
