// GET /api/docs: the API contract (docs/openapi.yaml, the one in the
// repository) rendered by Swagger UI, served by the client because the
// ingress and the gateway send every /api path no service owns here.
// Everything is served from this origin: no CDN, and the page's scripts are
// files, not inline, so a strict Content-Security-Policy holds.
import { readFileSync } from 'fs';
import path from 'path';

export interface DocsAsset {
  type: string;
  body: string | Buffer;
}

// Swagger UI's own way to name its folder (next.config.js keeps the package
// external, so this is Node's require at run time, not the bundler's).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS package, loaded on first use
const swaggerUi = (): string => require('swagger-ui-dist').absolutePath();
// `next dev`, `next start` and the standalone server all run with the client
// folder as the working directory; the repository (or image) root is above it.
export const OPENAPI_DOCUMENT = path.join(process.cwd(), '..', 'docs', 'openapi.yaml');

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Ticketing API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/docs/openapi.yaml', dom_id: '#docs', deepLinking: true });\n`;

/** The page itself, or one of its files by name; null for any other name. */
export function docsAsset(name: string | null): DocsAsset | null {
  switch (name) {
    case null:
      return { type: 'text/html; charset=utf-8', body: PAGE };
    case 'init.js':
      return { type: 'text/javascript; charset=utf-8', body: INIT };
    case 'openapi.yaml':
      return { type: 'application/yaml; charset=utf-8', body: readFileSync(OPENAPI_DOCUMENT) };
    case 'swagger-ui.css':
      return { type: 'text/css; charset=utf-8', body: readFileSync(path.join(swaggerUi(), 'swagger-ui.css')) };
    case 'swagger-ui-bundle.js':
      return { type: 'text/javascript; charset=utf-8', body: readFileSync(path.join(swaggerUi(), 'swagger-ui-bundle.js')) };
    default:
      return null;
  }
}
