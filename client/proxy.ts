// Every page gets its own Content-Security-Policy with a fresh nonce (see
// lib/csp.js). The policy also goes on the request: that is where Next's page
// renderer looks for the nonce to stamp on its scripts (_document passes it on).
// The prerendered pages' inline scripts are allowed by hash, read once.
import { NextResponse, type NextRequest } from 'next/server';
import { contentSecurityPolicy, newNonce, prerenderedScriptHashes } from './lib/csp';

let scriptHashes: string[] | undefined;

export function proxy(request: NextRequest) {
  scriptHashes ??= prerenderedScriptHashes();
  const policy = contentSecurityPolicy({ dev: process.env.NODE_ENV !== 'production', nonce: newNonce(), scriptHashes });
  const headers = new Headers(request.headers);
  headers.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', policy);
  return response;
}

export const config = {
  // Pages only: not the build's static files, nor API routes (JSON, no scripts).
  matcher: ['/((?!_next/static|_next/image|api/|favicon).*)'],
};
