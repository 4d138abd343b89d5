/**
 * The API contract (docs/openapi.yaml), checked on every response a route
 * test receives. Installed for every workspace by jest.preset.js
 * (setupFilesAfterEnv), so no test opts in: any supertest request to a
 * documented operation fails its test when the status is not documented for
 * that operation, or when the body or headers do not match the documented
 * schema. Requests to paths the document does not describe (test-only routes,
 * unknown URLs) are not checked.
 */
import { readFileSync } from 'fs';
import path from 'path';
import * as yaml from 'js-yaml';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import OpenAPIBackend, { Operation } from 'openapi-backend';
import { routesOfApp } from '../http/routes';

export const OPENAPI_DOCUMENT = path.join(__dirname, '../../../docs/openapi.yaml');

export interface ContractResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text?: string;
}

export class ApiContract {
  private constructor(private readonly api: OpenAPIBackend) {}

  static async load(document = OPENAPI_DOCUMENT): Promise<ApiContract> {
    // quick: openapi-backend checks a document against OpenAPI 3.0 only; this
    // one is 3.1, checked by openapi-contract.test.ts with the 3.1 schema.
    const definition = yaml.load(readFileSync(document, 'utf8')) as never;
    // ajv-formats: `date-time`, `email` and the other formats the document names are checked, not ignored.
    // multipleOfPrecision: `multipleOf: 0.01` (two decimals) holds for 10.55, whose quotient is 1054.9999999999998 in floating point.
    const api = new OpenAPIBackend({
      definition,
      strict: true,
      quick: true,
      validate: true,
      ajvOpts: { multipleOfPrecision: 9 },
      customizeAjv: (ajv) => addFormats(ajv),
    });
    await api.init();
    return new ApiContract(api);
  }

  /** The documented operation for a request, if the document has one. */
  operationFor(method: string, url: string): Operation | undefined {
    const { pathname } = new URL(url, 'http://contract.invalid');
    return this.api.matchOperation({ method: method.toLowerCase(), path: pathname, headers: {} });
  }

  /** What is wrong with a response to `method url` (empty: it matches, or the path is not documented). */
  violations(method: string, url: string, res: ContractResponse): string[] {
    const operation = this.operationFor(method, url);
    if (!operation) return [];
    const where = `${method.toUpperCase()} ${new URL(url, 'http://contract.invalid').pathname} → ${res.status}`;
    const documented = operation.responses?.[String(res.status)];
    if (!documented) {
      return [`${where}: status ${res.status} is not documented for ${operation.operationId} (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`];
    }
    const problems: string[] = [];
    const content = 'content' in documented ? documented.content : undefined;
    if (content) {
      const type = String(res.headers['content-type'] ?? '');
      if (content['application/json'] && !type.startsWith('application/json')) {
        problems.push(`${where}: content-type is "${type}", the contract says application/json`);
      } else {
        const body = res.body === undefined || (typeof res.body === 'object' && res.body !== null && Object.keys(res.body).length === 0 && !res.text) ? undefined : res.body;
        const result = this.api.validateResponse(body ?? res.body, operation, res.status);
        for (const e of result.errors ?? []) problems.push(`${where}: body${e.instancePath || ''} ${e.message} ${JSON.stringify(e.params)}`);
      }
    }
    // A repeated header (Set-Cookie) arrives as an array: the contract describes its value.
    const flat = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
    const headers = this.api.validateResponseHeaders(flat, operation, { statusCode: res.status, setMatchType: 'superset' as never });
    for (const e of headers.errors ?? []) problems.push(`${where}: header${e.instancePath || ''} ${e.message}`);
    return problems;
  }
}

/** Makes every supertest request check its response against the contract before its own assertions. */
export function checkSupertestResponses(contract: Promise<ApiContract>): void {
  // supertest's Test runs its queued assertions in assert(); a contract
  // violation is reported there, as the failing assertion of that request.
  // Patched at run time: supertest has no hook for this.
  const Test = require('supertest/lib/test');
  if (Test.prototype.__contractChecked) return;
  const assert = Test.prototype.assert;
  let loaded: ApiContract | undefined;
  void contract.then((c) => (loaded = c));
  Test.prototype.assert = function assertAgainstContract(this: any, resError: unknown, res: any, fn: (err: unknown, res: unknown) => void) {
    if (!resError && res && loaded) {
      const problems = loaded.violations(this.method, this.url, { status: res.status, headers: res.headers, body: res.body, text: res.text });
      if (problems.length) return fn.call(this, new Error(`response breaks docs/openapi.yaml:\n  ${problems.join('\n  ')}`), res);
    }
    return assert.call(this, resError, res, fn);
  };
  Test.prototype.__contractChecked = true;
}

const VERBS = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace', 'query']);

/**
 * Routes a service app serves that are not the API and stay out of the
 * document: Prometheus scrapes /metrics on the service's own port, inside the
 * cluster; no client reaches it through the gateway.
 */
export const UNDOCUMENTED_ROUTES = ['GET /metrics'];

/**
 * A service app's routes against docs/openapi.yaml: `METHOD /path` for every
 * route the app serves (Express's `:id` written `{id}`), UNDOCUMENTED_ROUTES
 * aside, and for every operation the document tags with one of `tags` (the
 * service's own, and `health`, which every service app serves). Sorted, for
 * one `toEqual` in the service's test: a route missing from the document, or
 * a documented operation the service lost, fails it.
 */
export function operationsOf(app: Express, tags: string[], document = OPENAPI_DOCUMENT) {
  const served = new Set<string>();
  for (const route of routesOfApp(app)) {
    if (route.methods.includes('*')) continue; // the 404 for everything else
    for (const method of route.methods) served.add(`${method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
  }
  const doc = yaml.load(readFileSync(document, 'utf8')) as { paths: Record<string, Record<string, { tags?: string[] }>> };
  const documented = Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.entries(item)
      .filter(([method, op]) => VERBS.has(method) && (op.tags ?? []).some((t) => tags.includes(t)))
      .map(([method]) => `${method.toUpperCase()} ${p}`),
  );
  return { served: [...served].filter((r) => !UNDOCUMENTED_ROUTES.includes(r)).sort(), documented: documented.sort() };
}
