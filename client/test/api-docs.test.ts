import { readFileSync } from 'fs';
import path from 'path';
import { docsAsset } from '../lib/api-docs';

// Run from the client folder (npm test -w client), as next runs.
describe('GET /api/docs assets', () => {
  it('is a page that loads Swagger UI and the document from this origin, with no inline script', () => {
    const page = String(docsAsset(null)!.body);
    const scripts = [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => m[1].trim())).toEqual(['src="/api/docs/swagger-ui-bundle.js"', 'src="/api/docs/init.js"']);
    expect(scripts.every((m) => m[2].trim() === '')).toBe(true);
    expect(page).not.toMatch(/https?:\/\//);
    expect(String(docsAsset('init.js')!.body)).toContain("url: '/api/docs/openapi.yaml'");
  });

  it('serves the repository\'s own docs/openapi.yaml', () => {
    const served = docsAsset('openapi.yaml')!;
    expect(served.type).toMatch(/^application\/yaml/);
    expect(String(served.body)).toBe(readFileSync(path.join(__dirname, '../../docs/openapi.yaml'), 'utf8'));
  });

  it('serves Swagger UI\'s bundle and styles, and nothing else', () => {
    expect(String(docsAsset('swagger-ui-bundle.js')!.body)).toContain('SwaggerUIBundle');
    expect(docsAsset('swagger-ui.css')!.type).toMatch(/^text\/css/);
    expect(docsAsset('../package.json')).toBeNull();
    expect(docsAsset('index.html')).toBeNull();
  });
});
