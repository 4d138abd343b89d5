// Every image for real: its Dockerfile, unchanged, linted by hadolint and
// built by buildah as skaffold's artifact says (the services from the one
// services.Dockerfile with SERVICE=<name>, the client from its own), on the
// node:24-bookworm-slim stand-in; then run by runc as its Deployment says
// (uid 1000, read-only root, a tmpfs per emptyDir, the memory limit, no
// capabilities) on the host network, against the local infrastructure: it
// answers its probes and exits cleanly on SIGTERM. The dev target (skaffold
// dev) is built too and holds what skaffold syncs where it syncs it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build, Built, bytesOf, deploymentOf, envOf, imageBuild, ImageConfig, imageConfig, Mounted, mountImage, runc, Running, start } from './lib/images';
import { globToRegex, IMAGES, listFiles, repoPath, SERVICES, SERVICES_DOCKERFILE } from './lib/repo';
import { bin, run, TOOLS } from './lib/tools';


jest.setTimeout(30 * 60 * 1000);

const DOCKERFILES = [SERVICES_DOCKERFILE, 'client/Dockerfile'];

/** hadolint's findings (JSON), any level. */
const hadolint = (file: string): Array<{ code: string; level: string; line: number; message: string }> => {
  try {
    return JSON.parse(run(bin('hadolint'), ['--no-color', '-f', 'json', file]));
  } catch (e: any) {
    // a finding makes hadolint exit 1 with its JSON on stdout
    const json = /\[.*\]\s*$/s.exec(String(e.message));
    if (!json) throw e;
    return JSON.parse(json[0]);
  }
};

describe('hadolint', () => {
  it.each(DOCKERFILES.map((f) => [f]))('finds nothing in %s, not even at info level', (file) => {
    expect(hadolint(file)).toEqual([]);
  });

  it('finds what it is there for (an unpinned base, root at run time, a non-numeric user)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-hadolint-'));
    try {
      const bad = path.join(dir, 'Dockerfile');
      fs.writeFileSync(bad, ['FROM node:latest', 'USER node', 'RUN npm install -g left-pad', 'USER root', 'CMD node server.js'].join('\n'));
      const codes = hadolint(bad).map((f) => f.code);
      expect(codes).toEqual(expect.arrayContaining(['DL3007', 'DL3002', 'DL3066', 'DL3025']));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe(`${SERVICES_DOCKERFILE} without its build argument SERVICE`, () => {
  it('fails to build, at a step that needs SERVICE (it has no default)', () => {
    // which step fails first (a COPY of <service>/…, or an npm ci --workspace) depends on the cache
    expect(() => build('auth', [], { omitBuildArgs: ['SERVICE'] })).toThrow(/Error: building at STEP "[^"\n]*\$\{?SERVICE\b/);
  });
});

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

async function waitFor(port: number, p: string, ms: number, c: Running): Promise<number> {
  const until = Date.now() + ms;
  let last = 0;
  while (Date.now() < until && c.proc.exitCode === null) {
    last = await get(port, p);
    if (last === 200) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

/**
 * Dev tools that must not be in a production node_modules. (Type packages
 * common lists as dependencies, and mongodb-memory-server, an optional peer
 * of common's test helpers, are installed by npm even with --omit=dev.)
 */
const DEV_ONLY = ['typescript', 'ts-node-dev', 'ts-node', 'jest', 'ts-jest', 'supertest', '@types/jest', '@types/supertest'];

/** A uid/gid line of /proc/<pid>/status: real, effective, saved, filesystem. */
const ids = (pid: number, field: 'Uid' | 'Gid') =>
  new RegExp(`^${field}:\\s+(.*)$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1].split(/\s+/).map(Number);

describe.each(IMAGES.map((n) => [n]))('the image of %s', (name) => {
  let built: Built;
  let cfg: ImageConfig;
  let mounted: Mounted | undefined;
  let running: Running | undefined;
  const { container, workload } = deploymentOf(name, 0);
  const uid = workload.pod.securityContext?.runAsUser;
  const gid = workload.pod.securityContext?.runAsGroup;

  afterAll(() => {
    running?.remove();
    mounted?.remove();
  });

  it('builds with buildah from its Dockerfile, as skaffold builds it', () => {
    const b = imageBuild(name);
    expect(b.dockerfilePath).toBe((SERVICES as readonly string[]).includes(name) ? SERVICES_DOCKERFILE : `${name}/Dockerfile`);
    expect(b.buildArgs).toEqual((SERVICES as readonly string[]).includes(name) ? { SERVICE: name } : {});
    built = build(name);
    cfg = imageConfig(built.tag);
    console.log(`${name}: built ${built.tag} from ${b.dockerfilePath} ${JSON.stringify(b.buildArgs)} in ${built.seconds.toFixed(1)}s (${TOOLS.STORAGE_DRIVER}, layers ${TOOLS.BUILDAH_LAYERS})`);
  });

  it('is based on the node:24-bookworm-slim stand-in', () => {
    expect(cfg.Labels?.['ticketing.stand-in']).toMatch(/^local stand-in of docker\.io\/library\/node:24-bookworm-slim/);
    expect(envOf(cfg).NODE_VERSION).toMatch(/^24\./);
  });

  it("runs as its Deployment's numeric uid and gid, in production mode, on its container port, with node on compiled JavaScript", () => {
    expect([uid, gid]).toEqual([1000, 1000]);
    // numeric, so that the kubelet can check runAsNonRoot against the image
    expect(cfg.User).toBe(`${uid}:${gid}`);
    const env = envOf(cfg);
    expect(env.NODE_ENV).toBe('production');
    const port = container.ports[0].containerPort;
    expect(Number(env.PORT)).toBe(port);
    expect(Object.keys(cfg.ExposedPorts ?? {})).toEqual([`${port}/tcp`]);
    expect(cfg.Entrypoint ?? []).toEqual([]);
    expect(cfg.Cmd?.[0]).toBe('node');
    expect(cfg.Cmd?.[1]).toMatch(/\.js$/);
    expect(cfg.Cmd!.join(' ')).not.toMatch(/ts-node|npm|npx|next start/);
    expect(`${cfg.WorkingDir}/${cfg.Cmd![1]}`).toBe(name === 'client' ? '/app/client/server.js' : `/app/${name}/dist/index.js`);
  });

  it("holds production dependencies only, owned by root, and nothing of the build's CA bundle or npmrc", () => {
    mounted = mountImage(built.tag);
    const root = mounted.rootfs;
    const nm = path.join(root, 'app', 'node_modules');
    expect(fs.existsSync(nm)).toBe(true);
    expect(DEV_ONLY.filter((d) => fs.existsSync(path.join(nm, d)))).toEqual([]);
    if (name !== 'client') {
      // the workspace link to common resolves inside the image, to compiled code
      const common = fs.realpathSync(path.join(nm, '@ticketing', 'common'));
      expect(common.startsWith(root)).toBe(true);
      expect(fs.existsSync(path.join(common, 'dist', 'index.js'))).toBe(true);
      expect(fs.existsSync(path.join(root, 'app', name, 'src'))).toBe(false);
    }
    expect(fs.statSync(path.join(root, 'app')).uid).toBe(0);
    expect(fs.statSync(path.join(root, cfg.WorkingDir!, cfg.Cmd![1])).uid).toBe(0);
    expect(['usr/local/etc/npmrc', 'etc/ssl/certs/ca-certificates.crt'].filter((f) => fs.existsSync(path.join(root, f)))).toEqual([]);
  });

  it('runs under runc as its Deployment says, answers its probes, and stops cleanly on SIGTERM within the grace period', async () => {
    const port = await freePort();
    const { env } = deploymentOf(name, port);
    const id = `ticketing-${name}-${process.pid}`;
    runc('delete', '--force', id); // a crashed earlier run's
    const started = Date.now();
    running = start({ id, rootfs: mounted!.rootfs, image: cfg, container, pod: workload.pod, env });

    const liveness = container.livenessProbe.httpGet.path;
    const readiness = container.readinessProbe.httpGet.path;
    const live = await waitFor(port, liveness, 60_000, running);
    const ready = await waitFor(port, readiness, 60_000, running);
    const upAfter = (Date.now() - started) / 1000;
    if (live !== 200 || ready !== 200) console.log(`${name} output:\n${running.output()}`);
    expect({ liveness, status: live }).toEqual({ liveness, status: 200 });
    expect({ readiness, status: ready }).toEqual({ readiness, status: 200 });

    // as the kernel sees it: the uid and gid, the memory limit
    const pid = running.pid();
    expect(ids(pid, 'Uid')).toEqual([uid, uid, uid, uid]);
    expect(ids(pid, 'Gid')).toEqual([gid, gid, gid, gid]);
    expect(running.memoryLimit()).toBe(bytesOf(container.resources.limits.memory));
    // the root filesystem is read-only; each emptyDir is a writable tmpfs
    const sh = (script: string) => runc('exec', '--user', `${uid}:${gid}`, id, '/bin/sh', '-c', script);
    const onRoot = sh(`touch ${cfg.WorkingDir}/written-at-run-time`);
    expect({ code: onRoot.code, err: onRoot.err.trim() }).toEqual({ code: 1, err: expect.stringMatching(/Read-only file system/) });
    for (const m of container.volumeMounts ?? []) {
      const r = sh(`touch ${m.mountPath}/written-at-run-time && grep -E ' ${m.mountPath} tmpfs ' /proc/mounts`);
      expect({ mount: m.mountPath, code: r.code, err: r.err }).toEqual({ mount: m.mountPath, code: 0, err: '' });
    }

    const stopping = Date.now();
    expect(runc('kill', id, 'TERM').code).toBe(0);
    const grace = workload.pod.terminationGracePeriodSeconds;
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<string>((r) => (timer = setTimeout(() => r('still running'), (grace - preStop) * 1000)));
    const code = await Promise.race([running.exited, deadline]);
    clearTimeout(timer);
    const stoppedAfter = (Date.now() - stopping) / 1000;
    // our services exit 0 after draining; Next's server ends itself with the
    // conventional 128 + SIGTERM (143) once its connections are closed
    const clean = name === 'client' ? [0, 143] : [0];
    if (!clean.includes(code as number)) console.log(`${name} output:\n${running.output()}`);
    expect({ exit: code, clean: clean.includes(code as number) }).toEqual({ exit: code, clean: true });
    console.log(`${name}: ready under runc after ${upAfter.toFixed(1)}s, stopped ${stoppedAfter.toFixed(1)}s after SIGTERM (grace ${grace}s)`);
  });

  it("builds skaffold dev's target, which holds the files skaffold syncs where it syncs them", () => {
    const b = imageBuild(name, ['dev']);
    expect(b.target).toBe('dev');
    const dev = build(name, ['dev']);
    const devCfg = imageConfig(dev.tag);
    expect(devCfg.User).toBe(`${uid}:${gid}`);
    console.log(`${name}: built ${dev.tag} (target dev) in ${dev.seconds.toFixed(1)}s`);
    const m = mountImage(dev.tag);
    try {
      const rules = b.artifact.sync?.manual ?? [];
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) {
        expect(r.strip).toBeUndefined();
        // the dev server runs from where the synced sources land
        expect(`${r.dest}/${name}`).toBe(devCfg.WorkingDir);
        // The sources as git has them: generated files (next-env.d.ts after a build, .next/) are no sources to sync.
        const tracked = new Set(execFileSync('git', ['ls-files', '--', name], { cwd: repoPath('.'), encoding: 'utf8' }).split('\n'));
        const files = listFiles(name, (f) => globToRegex(r.src).test(f) && tracked.has(f));
        const inImage = (f: string) => fs.existsSync(path.join(m.rootfs, r.dest, f));
        // the ignore file keeps tests out; every other file the rule matches is in the image, where skaffold puts it
        const missing = files.filter((f) => !inImage(f));
        expect({ rule: r.src, matched: files.length > 0 }).toEqual({ rule: r.src, matched: true });
        expect(missing.filter((f) => !/(\.test\.tsx?$|\/__tests__\/|^client\/test\/)/.test(f))).toEqual([]);
        for (const f of files.filter(inImage).slice(0, 5)) {
          expect(fs.readFileSync(path.join(m.rootfs, r.dest, f), 'utf8')).toBe(fs.readFileSync(repoPath(f), 'utf8'));
        }
      }
      expect(fs.existsSync(path.join(m.rootfs, 'app', name, 'src', 'app.test.ts'))).toBe(false);
    } finally {
      m.remove();
    }
  });
});
