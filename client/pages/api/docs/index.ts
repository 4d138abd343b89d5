import type { NextApiRequest, NextApiResponse } from 'next';
import { sendDocsAsset } from '../../../lib/send-docs-asset';

// GET /api/docs: the API contract, readable (see lib/api-docs.ts).
export default function apiDocs(req: NextApiRequest, res: NextApiResponse) {
  sendDocsAsset(req, res, null);
}
