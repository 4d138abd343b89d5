import type { NextApiRequest, NextApiResponse } from 'next';

// GET /readyz (rewritten here by next.config.js): ready to render pages.
// The client owns no database or bus; it does not fail when an API service
// is down, since each page shows that service's error by itself.
export default function readyz(_req: NextApiRequest, res: NextApiResponse) {
  res.setHeader('Cache-Control', 'no-store');
  res.status(200).json({ status: 'ready' });
}
