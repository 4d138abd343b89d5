import type { NextApiRequest, NextApiResponse } from 'next';

// Any /api/* path no service owns reaches the client (the ingress sends
// "everything else" here): answer it as the API would, in the error shape.
export default function unknownApiRoute(_req: NextApiRequest, res: NextApiResponse) {
  res.setHeader('Cache-Control', 'no-store');
  res.status(404).json({ errors: [{ message: 'Not Found' }] });
}
