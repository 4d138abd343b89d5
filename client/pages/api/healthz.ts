import type { NextApiRequest, NextApiResponse } from 'next';

// GET /healthz (rewritten here by next.config.js): the process is alive.
export default function healthz(_req: NextApiRequest, res: NextApiResponse) {
  res.setHeader('Cache-Control', 'no-store');
  res.status(200).json({ status: 'ok' });
}
