import type { NextApiRequest, NextApiResponse } from 'next';

const ALLOW = 'GET, HEAD';

/**
 * The client's /healthz and /readyz, in the shape docs/openapi.yaml gives every
 * service's: GET (and HEAD) only; another method is a 405 with `Allow` in the
 * API's error shape, OPTIONS a 204 with `Allow`.
 */
export function probe(body: Record<string, unknown>) {
  return function answer(req: NextApiRequest, res: NextApiResponse) {
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.status(200).json(body);
      return;
    }
    res.setHeader('Allow', ALLOW);
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    res.status(405).json({ errors: [{ message: 'Method Not Allowed' }] });
  };
}
