import express from 'express';
import request from 'supertest';
import { execFileSync } from 'child_process';
import { createServiceApp } from '../http/app';
import { ApiContract, OPENAPI_DOCUMENT, operationsOf } from './openapi-contract';

const json = { 'content-type': 'application/json; charset=utf-8' };
const id = 'aaaaaaaaaaaaaaaaaaaaaaaa';

describe('docs/openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document', () => {
    // @seriousme/openapi-schema-validator checks against the official 3.1
    // schemas; it is an ES module, so it runs in its own node process.
    const script = [
      "import { Validator } from '@seriousme/openapi-schema-validator';",
      'const v = new Validator();',
      'const r = await v.validate(process.argv[1]);',
      'console.log(JSON.stringify({ valid: r.valid, version: v.version, errors: r.errors }));',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script, OPENAPI_DOCUMENT], { cwd: __dirname, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ valid: true, version: '3.1' });
  });
});

describe('ApiContract.violations', () => {
  let contract: ApiContract;
  beforeAll(async () => {
    contract = await ApiContract.load();
  });

  it('accepts a documented status with a matching body', () => {
    const ticket = { id, title: 'concert', price: 20, userId: id, version: 0, quantity: 1, available: 1, split: 'any', fee: 2.5, allInPrice: 22.5 };
    expect(contract.violations('get', `http://x/api/tickets/${id}`, { status: 200, headers: json, body: ticket })).toEqual([]);
    expect(contract.violations('get', '/api/tickets/zz', { status: 404, headers: json, body: { errors: [{ message: 'Not Found' }] } })).toEqual([]);
    expect(contract.violations('delete', `/api/orders/${id}`, { status: 204, headers: {}, body: {} })).toEqual([]);
  });

  it('refuses a status the operation does not document', () => {
    const problems = contract.violations('put', `/api/tickets/${id}`, { status: 409, headers: json, body: { errors: [{ message: 'conflict' }] } });
    expect(problems.join()).toMatch(/status 409 is not documented for updateTicket/);
  });

  it('refuses a body that leaks a field or misses one', () => {
    const leaked = { id, title: 't', price: 1, userId: id, version: 0, quantity: 1, available: 1, split: 'any', fee: 0.6, allInPrice: 1.6, outbox: [] };
    expect(contract.violations('get', `/api/tickets/${id}`, { status: 200, headers: json, body: leaked }).join()).toMatch(/additional properties/);
    expect(contract.violations('get', `/api/tickets/${id}`, { status: 200, headers: json, body: { id } }).join()).toMatch(/required property 'title'/);
    expect(contract.violations('post', '/api/users/signin', { status: 400, headers: json, body: { message: 'x' } }).join()).toMatch(/errors/);
    // formats are checked too (ajv-formats)
    const order = { id, status: 'created', userId: id, expiresAt: 'in 15 minutes', version: 0, quantity: 1, ticket: { id, title: 't', price: 1 } };
    expect(contract.violations('get', `/api/orders/${id}`, { status: 200, headers: json, body: order }).join()).toMatch(/expiresAt must match format "date-time"/);
    expect(contract.violations('get', `/api/orders/${id}`, { status: 200, headers: json, body: { ...order, expiresAt: new Date().toISOString() } })).toEqual([]);
  });

  it('refuses a 429 without Retry-After', () => {
    const body = { errors: [{ message: 'Too many requests, try again in 3 seconds' }] };
    expect(contract.violations('post', '/api/orders', { status: 429, headers: { ...json, 'retry-after': '3' }, body })).toEqual([]);
    expect(contract.violations('post', '/api/orders', { status: 429, headers: json, body }).join()).toMatch(/retry-after/i);
  });

  it('does not judge paths the document does not describe', () => {
    expect(contract.violations('get', '/only-in-a-test', { status: 418, headers: {}, body: 'x' })).toEqual([]);
  });
});

describe('supertest requests in every suite', () => {
  it('fail when a response breaks the contract', async () => {
    const app = express().get('/api/tickets/:id', (_req, res) => {
      res.status(200).send({ id, title: 'no price' });
    });
    await expect(request(app).get(`/api/tickets/${id}`).expect(200)).rejects.toThrow(/breaks docs\/openapi.yaml[\s\S]*price/);
  });
});

describe('operationsOf (a service app against the document)', () => {
  it("lists the app's routes as the document writes them, beside the document's operations of the tags", () => {
    const router = express.Router();
    router.get('/api/tickets/:id', (_req, res) => res.send({}));
    router.patch('/api/tickets/:id', (_req, res) => res.send({}));
    const app = createServiceApp({ routers: [router] });
    const { served, documented } = operationsOf(app, ['health']);
    // the probes are documented; GET /metrics is not the API; the rest are this app's own
    expect(served).toEqual(['GET /api/tickets/{id}', 'GET /healthz', 'GET /readyz', 'PATCH /api/tickets/{id}']);
    expect(documented).toEqual(['GET /healthz', 'GET /readyz']);
    expect(operationsOf(app, ['tickets']).documented).toEqual(
      expect.arrayContaining(['GET /api/tickets/{id}', 'PUT /api/tickets/{id}', 'GET /api/tickets/mine']),
    );
  });
});
