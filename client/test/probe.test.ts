import type { NextApiRequest, NextApiResponse } from 'next';
import { probe } from '../lib/probe';

/** What a Next API route was answered with. */
function call(method: string) {
  const sent: { status?: number; headers: Record<string, string>; body?: unknown; ended?: boolean } = { headers: {} };
  const res = {
    setHeader: (k: string, v: string) => (sent.headers[k.toLowerCase()] = v),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
    },
    end() {
      sent.ended = true;
    },
  };
  probe({ status: 'ready', checks: {} })({ method } as NextApiRequest, res as unknown as NextApiResponse);
  return sent;
}

describe('the client probes (/healthz, /readyz)', () => {
  it('answer GET and HEAD with the body, not cached', () => {
    for (const method of ['GET', 'HEAD']) {
      expect(call(method)).toEqual({ status: 200, headers: { 'cache-control': 'no-store' }, body: { status: 'ready', checks: {} } });
    }
  });

  it('answer another method with 405, Allow and the API error shape; OPTIONS with 204 and Allow', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'QUERY']) {
      expect(call(method)).toEqual({
        status: 405,
        headers: { 'cache-control': 'no-store', allow: 'GET, HEAD' },
        body: { errors: [{ message: 'Method Not Allowed' }] },
      });
    }
    expect(call('OPTIONS')).toEqual({ status: 204, headers: { 'cache-control': 'no-store', allow: 'GET, HEAD' }, ended: true });
  });
});
