// Every production image, assembled without Docker and started: the
// Dockerfile skaffold builds it from, read with the artifact's build
// arguments (the services' shared services.Dockerfile with SERVICE=<name>),
// is replayed into a temporary folder (its `npm ci --omit=dev`
// really runs there; the compiled output comes from the build stage's own
// command, run in the repository), then the final stage's CMD is started
// with node from its WORKDIR, with the image's ENV and the env its
// Deployment sets (hosts pointed at the local infrastructure), and a clean
// environment otherwise: nothing of the repository's node_modules is
// reachable from there. Its probes must answer as the manifests expect, and
// SIGTERM must end it cleanly within the pod's grace period.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildImage, BuiltImage } from './lib/image-builder';
import { imageBuild } from './lib/images';
import { kustomize, parseYaml } from './lib/tools';
import { resolveEnv, workloads } from './lib/model';
import { IMAGES, imageOf, REPO } from './lib/repo';

/* eslint-disable @typescript-eslint/no-explicit-any */

jest.setTimeout(15 * 60 * 1000);

/** Local infrastructure, as scripts/infra.sh env exports it (scripts/with-infra.js sets it for npm test). */
function localInfra() {
  const need = ['MONGO_URI', 'NATS_STREAMING_URL', 'NATS_CLUSTER_ID', 'REDIS_HOST', 'REDIS_PORT', 'STRIPE_API_BASE'];
  const missing = need.filter((k) => !process.env[k]);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not set: run through npm test, or eval "$(bash scripts/infra.sh env)" with the infrastructure started`);
  }
  return process.env as Record<string, string>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

const get = (port: number, p: string) =>
  new Promise<number>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: 2000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => {
      req.destroy();
      resolve(0);
    });
  });

async function waitFor(port: number, p: string, status: number, ms: number, proc: ChildProcess): Promise<number> {
  const until = Date.now() + ms;
  let last = 0;
  while (Date.now() < until && proc.exitCode === null) {
    last = await get(port, p);
    if (last === status) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

/** The Deployment's env, with the cluster's hosts swapped for the local ones. */
function localEnv(name: string, port: number): { env: Record<string, string>; container: any; grace: number } {
  // the bus variant the run is on (EVENT_BUS=jetstream npm test: the JetStream manifests)
  const bus = process.env.EVENT_BUS === 'jetstream' ? 'infra/k8s/bus/jetstream' : 'infra/k8s/bus/stan';
  const objects = parseYaml(kustomize('infra/k8s')).concat(parseYaml(kustomize(bus)));
  const w = workloads(objects).find((x) => x.pod.containers.some((c) => c.image === imageOf(name)))!;
  const container = w.pod.containers.find((c) => c.image === imageOf(name))!;
  // a pod name of its own per run: STAN refuses a client id still registered by a crashed run
  const podName = `${w.name}-${Math.random().toString(36).slice(2, 11)}-${Math.random().toString(36).slice(2, 7)}`;
  const { env, problems } = resolveEnv(container, objects, podName);
  if (problems.length) throw new Error(problems.join('\n'));
  const infra = localInfra();
  env.PORT = String(port);
  if (env.MONGO_URI) {
    const local = new URL(infra.MONGO_URI);
    const db = new URL(env.MONGO_URI).pathname.replace(/^\//, '');
    env.MONGO_URI = `mongodb://${local.host}/${db}_production_image_test`;
  }
  if (env.NATS_URL) {
    env.NATS_URL = env.EVENT_BUS === 'jetstream' ? infra.NATS_JETSTREAM_URL : infra.NATS_STREAMING_URL;
    env.NATS_CLUSTER_ID = infra.NATS_CLUSTER_ID;
  }
  if (env.REDIS_HOST) {
    env.REDIS_HOST = infra.REDIS_HOST;
    env.REDIS_PORT = infra.REDIS_PORT;
  }
  if (env.STRIPE_KEY) env.STRIPE_API_BASE = infra.STRIPE_API_BASE;
  if (name === 'client') env.API_INTERNAL_URL = 'http://127.0.0.1:9'; // nothing needed for its probes
  return { env, container, grace: w.pod.terminationGracePeriodSeconds };
}

/**
 * Dev tools that must not be in a production node_modules. (Type packages
 * common lists as dependencies, and mongodb-memory-server, an optional peer
 * of common's test helpers, are installed by npm even with --omit=dev.)
 */
const DEV_ONLY = ['typescript', 'ts-node-dev', 'ts-node', 'jest', 'ts-jest', 'supertest', '@types/jest', '@types/supertest'];

describe.each(IMAGES.map((n) => [n]))('the production image of %s', (name) => {
  let scratch: string;
  let image: BuiltImage;
  let proc: ChildProcess | undefined;
  let output = '';

  beforeAll(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), `ticketing-image-${name}-`));
  });

  afterAll(() => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('is assembled by replaying its Dockerfile with its build arguments', () => {
    const t0 = Date.now();
    const build = imageBuild(name);
    // the production image: the last stage, the one skaffold run builds
    expect(build.target).toBe(build.dockerfile.stages[build.dockerfile.stages.length - 1].name);
    image = buildImage({
      dockerfile: build.dockerfile,
      ignoreFile: build.ignoreFile,
      scratch,
      // the TypeScript services compile in the repository (the same `tsc -b`
      // as `npm run build`); the client builds from scratch, in its own copy,
      // so that its standalone build never touches client/.next
      fromRepo: name === 'client' ? [] : ['build'],
      allowRun: /^(npm ci |npm run build --workspace client$|node_modules\/\.bin\/tsc -b \w+$)/,
    });
    expect(image.cmd[0]).toBe('node');
    console.log(`${name}: image assembled from ${build.dockerfilePath} ${JSON.stringify(build.buildArgs)} in ${((Date.now() - t0) / 1000).toFixed(1)}s\n  ${image.log.join('\n  ')}`);
  });

  it('holds production dependencies only', () => {
    const nm = path.join(image.root, 'app', 'node_modules');
    expect(fs.existsSync(nm)).toBe(true);
    expect(DEV_ONLY.filter((d) => fs.existsSync(path.join(nm, d)))).toEqual([]);
    if (name !== 'client') {
      // the workspace link to common resolves inside the image, to compiled code
      const common = fs.realpathSync(path.join(nm, '@ticketing', 'common'));
      expect(common.startsWith(image.root)).toBe(true);
      expect(fs.existsSync(path.join(common, 'dist', 'index.js'))).toBe(true);
      expect(fs.existsSync(path.join(image.cwd, 'src'))).toBe(false);
    }
  });

  it('starts with its CMD, answers its probes, and stops cleanly on SIGTERM within the grace period', async () => {
    const port = await freePort();
    const { env, container, grace } = localEnv(name, port);
    const [cmd, ...args] = image.cmd;
    expect(cmd).toBe('node');
    const started = Date.now();
    proc = spawn(process.execPath, args, {
      cwd: image.cwd,
      env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...image.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (output += d));
    proc.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => proc!.on('exit', (code) => resolve(code)));

    const liveness = container.livenessProbe.httpGet.path;
    const readiness = container.readinessProbe.httpGet.path;
    const live = await waitFor(port, liveness, 200, 60_000, proc);
    const ready = await waitFor(port, readiness, 200, 60_000, proc);
    const upAfter = (Date.now() - started) / 1000;
    if (live !== 200 || ready !== 200) console.log(`${name} output:\n${output}`);
    expect({ liveness, status: live }).toEqual({ liveness, status: 200 });
    expect({ readiness, status: ready }).toEqual({ readiness, status: 200 });

    const stopping = Date.now();
    proc.kill('SIGTERM');
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((r) => (timer = setTimeout(() => r('still running'), (grace - preStop) * 1000)));
    const code = await Promise.race([exited, deadline]);
    clearTimeout(timer);
    const stoppedAfter = (Date.now() - stopping) / 1000;
    // our services exit 0 after draining; Next's server ends itself with the
    // conventional 128 + SIGTERM (143) once its connections are closed
    const clean = name === 'client' ? [0, 143] : [0];
    if (!clean.includes(code as number)) console.log(`${name} output:\n${output}`);
    expect({ exit: code, clean: clean.includes(code as number) }).toEqual({ exit: code, clean: true });
    console.log(`${name}: ready after ${upAfter.toFixed(1)}s, stopped ${stoppedAfter.toFixed(1)}s after SIGTERM (grace ${grace}s)`);
  });
});

// The repository's node_modules must be out of reach of the started images.
test('the scratch folders are outside the repository', () => {
  expect(os.tmpdir().startsWith(REPO)).toBe(false);
});
