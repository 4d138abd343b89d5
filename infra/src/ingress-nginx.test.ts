// The ingress-nginx controller's ConfigMap (infra/ingress-nginx/
// controller-config.yaml): nginx's own refusals in the API's error shape, as
// the local gateway answers them. Its text is what scripts/nginx-gateway.js
// derives from docs/openapi.yaml; here it is also run, on the real nginx the
// local gateway uses, placed where ingress-nginx's template puts the two
// snippets (http block; every server, the catch-all default server too).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { K8sObject, kubeconform } from './lib/tools';
import { loadYamlDocs, readRepoFile, repoPath } from './lib/repo';

const gatewayLib = require(repoPath('scripts/nginx-gateway.js'));
const FILE = 'infra/ingress-nginx/controller-config.yaml';
const API_ERROR = /^application\/json/;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** One raw HTTP/1.1 exchange (fetch cannot send TRACE, nor a request nginx refuses to parse). */
function exchange(port: number, raw: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(raw));
    let text = '';
    let done = false;
    const finish = () => {
      const end = text.indexOf('\r\n\r\n');
      if (done || end < 0) return;
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const body = text.slice(end + 4);
      // Whole once Content-Length bytes are in (nginx lingers on a refused body before it closes).
      if (body.length < Number(headers['content-length'] ?? Infinity)) return;
      done = true;
      socket.destroy();
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    };
    socket.on('data', (d) => {
      text += d.toString('latin1');
      finish();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (!done) text += '\r\n\r\n';
      finish();
      if (!done) reject(new Error(`no answer: ${JSON.stringify(text.slice(0, 200))}`));
    });
  });
}

const request = (method: string, target: string, headers: Record<string, string> = {}) =>
  [`${method} ${target} HTTP/1.1`, 'Host: ticketing.dev', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');

describe('infra/ingress-nginx/controller-config.yaml', () => {
  const docs = loadYamlDocs(repoPath(FILE)) as K8sObject[];

  it('is the ConfigMap scripts/nginx-gateway.js derives from docs/openapi.yaml (node scripts/nginx-gateway.js --ingress-nginx-config)', () => {
    expect(readRepoFile(FILE)).toBe(gatewayLib.ingressNginxConfigMap());
  });

  it("is a valid ConfigMap, the controller's (ingress-nginx/ingress-nginx-controller), with only the two snippets", () => {
    expect(kubeconform(readRepoFile(FILE)).map((r) => r.status)).toEqual(['statusValid']);
    expect(docs.map((d) => [d.kind, d.metadata.namespace, d.metadata.name])).toEqual([['ConfigMap', 'ingress-nginx', 'ingress-nginx-controller']]);
    expect(Object.keys((docs[0] as any).data).sort()).toEqual(['http-snippet', 'server-snippet']);
  });

  describe('on nginx, where ingress-nginx puts the snippets', () => {
    let backend: http.Server;
    let dir: string;
    let port: number;
    let stop: () => Promise<void> = async () => undefined;

    beforeAll(async () => {
      if (!gatewayLib.nginxBinary()) {
        const r = spawnSync('bash', [repoPath('scripts/infra.sh'), 'install', 'gateway'], { stdio: 'inherit' });
        if (r.status !== 0) throw new Error('infra.sh install gateway failed');
      }
      // A service that answers everything itself (its own 405 included): nginx must pass those through.
      backend = http.createServer((req, res) => {
        const body = JSON.stringify({ from: 'service', method: req.method, url: req.url });
        const allow = req.method === 'PATCH' ? { allow: 'GET' } : {};
        res.writeHead(req.method === 'PATCH' ? 405 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...allow });
        res.end(body);
      });
      await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
      const upstream = (backend.address() as AddressInfo).port;
      port = await freePort();
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ingress-nginx-'));
      const data = (docs[0] as any).data as Record<string, string>;
      const indent = (text: string, n: number) => text.trimEnd().replace(/^/gm, ' '.repeat(n));
      const user = process.getuid?.() === 0 ? 'user root root;' : '';
      const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
      const conf = `${user}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
${temp}
  access_log off;
  default_type text/html;
  client_max_body_size 1m;
  large_client_header_buffers 4 8k;
${indent(data['http-snippet'], 2)}
  ## start server _
  server {
    server_name _;
    listen 127.0.0.1:${port} default_server;
    location / { return 404; }
${indent(data['server-snippet'], 4)}
  }
  ## start server ticketing.dev
  server {
    server_name ticketing.dev;
    listen 127.0.0.1:${port};
    location ~* "^/api/users/?(.*)" { proxy_pass http://127.0.0.1:${upstream}; }
    location ~* "^/api/tickets/?(.*)" { proxy_pass http://127.0.0.1:${upstream}; }
    location ~* "^/?(.*)" { proxy_pass http://127.0.0.1:${upstream}; }
${indent(data['server-snippet'], 4)}
  }
}
`;
      fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
      const bin: string = gatewayLib.nginxBinary();
      const check = spawnSync(bin, ['-t', '-q', '-e', 'stderr', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { encoding: 'utf8' });
      if (check.status !== 0) throw new Error(`nginx -t:\n${check.stderr}`);
      const child = require('node:child_process').spawn(bin, ['-e', 'stderr', '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
      // SIGTERM, not SIGKILL: the master then stops its worker too (a killed master leaves the worker running, port and all).
      stop = () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        });
      for (let i = 0; i < 100 && !(await exchange(port, request('GET', '/')).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
    });

    afterAll(async () => {
      await stop();
      await new Promise<void>((r) => backend.close(() => r()));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it.each([
      ['/api/tickets', 'GET, HEAD, POST'],
      ['/api/tickets/6b16aadd68eadea299d014fa?x=1', 'GET, HEAD, PUT'],
      ['/api/tickets/mine', 'GET, HEAD'],
      ['/api/users/signout', 'POST'],
      ['/tickets/new', 'GET, HEAD'],
    ])('TRACE %s: 405 in the error shape with Allow: %s', async (target, allow) => {
      const res = await exchange(port, request('TRACE', target));
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe(allow);
      expect(res.headers['content-type']).toMatch(API_ERROR);
      expect(JSON.parse(res.body)).toEqual({ errors: [{ message: 'Method Not Allowed' }] });
    });

    it('passes what a service answers through untouched, its own 405 included', async () => {
      const res = await exchange(port, request('PATCH', '/api/tickets'));
      expect([res.status, res.headers.allow, JSON.parse(res.body).from]).toEqual([405, 'GET', 'service']);
    });

    it.each([
      ['a request line over the header buffers', 414, 'Request URI too long', request('GET', `/api/tickets?q=${'a'.repeat(9000)}`)],
      ['a header over them', 431, 'Request headers too large', request('GET', '/api/tickets', { 'X-Big': 'a'.repeat(9000) })],
      ['a cookie over them', 431, 'Request headers too large', request('GET', '/api/users/currentuser', { Cookie: `session=${'a'.repeat(9000)}` })],
      ['a body over client_max_body_size', 413, 'Request body too large', request('POST', '/api/users/signup', { 'Content-Length': String(1024 * 1024 + 1) })],
      ['a request line nginx cannot parse', 400, 'Bad request', 'GET /\x01 HTTP/1.1\r\nHost: ticketing.dev\r\n\r\n'],
    ])('%s: %i in the error shape', async (_what, status, message, raw) => {
      const res = await exchange(port, raw);
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toMatch(API_ERROR);
      expect(JSON.parse(res.body)).toEqual({ errors: [{ message }] });
    });
  });
});
