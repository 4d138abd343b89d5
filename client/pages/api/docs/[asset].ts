import type { NextApiRequest, NextApiResponse } from 'next';
import { sendDocsAsset } from '../../../lib/send-docs-asset';

// GET /api/docs/<file>: the document and Swagger UI's files (see lib/api-docs.ts).
export default function apiDocsAsset(req: NextApiRequest, res: NextApiResponse) {
  sendDocsAsset(req, res, String(req.query.asset));
}
