import type { NextApiRequest, NextApiResponse } from 'next';
import { docsAsset } from './api-docs';

export function sendDocsAsset(req: NextApiRequest, res: NextApiResponse, name: string | null) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    res.status(404).json({ errors: [{ message: 'Not Found' }] });
    return;
  }
  const asset = docsAsset(name);
  if (!asset) {
    res.status(404).json({ errors: [{ message: 'Not Found' }] });
    return;
  }
  res.setHeader('Content-Type', asset.type);
  res.setHeader('Cache-Control', 'public, max-age=300');
  res.status(200).send(asset.body);
}
