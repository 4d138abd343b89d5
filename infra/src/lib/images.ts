// The images for real: skaffold's artifact for an image (which Dockerfile,
// build arguments, target), built by buildah (scripts/k8s-tools.sh sets up
// its own store, chroot isolation, the node:24-bookworm-slim stand-in) and
// run by runc the way its Deployment says (uid, read-only root, emptyDirs,
// memory limit), on the host network so that it reaches the local
// infrastructure on loopback.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Container, resolveEnv, workloads } from './model';
import { imageOf, REPO } from './repo';
import { applyProfiles, Artifact, loadSkaffold } from './skaffold';
import { kustomize, parseYaml, TOOLS } from './tools';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes manifests and tool output are untyped YAML/JSON, read by path */

export interface ImageBuild {
  artifact: Artifact;
  /** Repository-relative path of the Dockerfile. */
  dockerfilePath: string;
  /** Its ignore file: `<Dockerfile>.dockerignore` beside it (what BuildKit reads; buildah is told). */
  ignoreFile: string;
  buildArgs: Record<string, string>;
  /** The artifact's target stage; undefined: the last stage. */
  target?: string;
}

/** The build of an image (`auth`, …, `client`) with these skaffold profiles applied. */
export function imageBuild(name: string, profiles: string[] = []): ImageBuild {
  const artifact = applyProfiles(loadSkaffold(), profiles).build.artifacts.find((a) => a.image === imageOf(name));
  if (!artifact) throw new Error(`skaffold.yaml builds no ${imageOf(name)}`);
  const dockerfilePath = path.posix.join(artifact.context ?? '.', artifact.docker?.dockerfile ?? 'Dockerfile');
  return {
    artifact,
    dockerfilePath,
    ignoreFile: `${dockerfilePath}.dockerignore`,
    buildArgs: artifact.docker?.buildArgs ?? {},
    target: artifact.docker?.target,
  };
}

/** buildah and runc see the store and settings scripts/k8s-tools.sh chose. */
const containerEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  CONTAINERS_STORAGE_CONF: TOOLS.CONTAINERS_STORAGE_CONF,
  STORAGE_DRIVER: TOOLS.STORAGE_DRIVER,
  BUILDAH_ISOLATION: TOOLS.BUILDAH_ISOLATION,
  BUILDAH_LAYERS: TOOLS.BUILDAH_LAYERS,
});

function tool(cmd: string, args: string[], timeoutMs = 60_000): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd: REPO, env: containerEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function must(cmd: string, args: string[], timeoutMs?: number): string {
  const r = tool(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${r.err.slice(-4000)}${r.out.slice(-4000)}`);
  return r.out;
}

export const buildah = (...args: string[]) => must('buildah', args);

export interface Built {
  tag: string;
  seconds: number;
  log: string;
}

/**
 * `buildah bud` of an image as skaffold's artifact describes it, from the
 * repository root, Dockerfile unchanged. The machine's CA bundle reaches the
 * RUN steps as read-only volumes (npm's global npmrc points at it): volumes
 * are not committed to any layer.
 */
export function build(name: string, profiles: string[] = [], opts: { omitBuildArgs?: string[] } = {}): Built {
  const b = imageBuild(name, profiles);
  const tag = `${imageOf(name)}:suite${profiles.length ? `-${profiles.join('-')}` : ''}${opts.omitBuildArgs ? '-incomplete' : ''}`;
  const args = ['bud', '--pull=never', '-f', b.dockerfilePath, '--ignorefile', b.ignoreFile, '-t', tag];
  for (const [k, v] of Object.entries(b.buildArgs)) if (!opts.omitBuildArgs?.includes(k)) args.push('--build-arg', `${k}=${v}`);
  if (b.target) args.push('--target', b.target);
  if (fs.existsSync(TOOLS.BUILD_CA_BUNDLE)) {
    args.push('--volume', `${TOOLS.BUILD_CA_BUNDLE}:/etc/ssl/certs/ca-certificates.crt:ro`);
    args.push('--volume', `${TOOLS.BUILD_NPMRC}:/usr/local/etc/npmrc:ro`);
  }
  args.push(b.artifact.context ?? '.');
  const t0 = Date.now();
  const r = tool('buildah', args, 30 * 60_000);
  const log = r.out + r.err;
  if (r.code !== 0) throw new Error(`buildah ${args.join(' ')} exited ${r.code}:\n${log.slice(-6000)}`);
  return { tag, seconds: (Date.now() - t0) / 1000, log };
}

export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
  Labels?: Record<string, string>;
}

export const imageConfig = (tag: string): ImageConfig => JSON.parse(buildah('inspect', '--type', 'image', tag)).OCIv1.config;

export const envOf = (cfg: ImageConfig): Record<string, string> =>
  Object.fromEntries((cfg.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));

/** A working container of an image and its root filesystem on the host. */
export interface Mounted {
  container: string;
  rootfs: string;
  remove(): void;
}

export function mountImage(tag: string): Mounted {
  const container = buildah('from', '--pull-never', tag).trim();
  const rootfs = buildah('mount', container).trim();
  return {
    container,
    rootfs,
    remove: () => {
      tool('buildah', ['umount', container]);
      tool('buildah', ['rm', container]);
    },
  };
}

/** Kubernetes quantities as bytes ("256Mi", "1Gi", "500M", "1000"). */
export function bytesOf(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`not a quantity: ${q}`);
  const unit: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.round(Number(m[1]) * (m[2] ? unit[m[2]] : 1));
}

/** The Deployment of an image, its container, and the env it sets with the cluster's hosts swapped for the local infrastructure's. */
export function deploymentOf(name: string, port: number) {
  // the bus variant the run is on (EVENT_BUS=jetstream npm test: the JetStream manifests)
  const bus = process.env.EVENT_BUS === 'jetstream' ? 'infra/k8s/bus/jetstream' : 'infra/k8s/bus/stan';
  const objects = parseYaml(kustomize('infra/k8s')).concat(parseYaml(kustomize(bus)));
  const w = workloads(objects).find((x) => x.pod.containers.some((c) => c.image === imageOf(name)))!;
  const container = w.pod.containers.find((c) => c.image === imageOf(name))! as Container;
  // a pod name of its own per run: STAN refuses a client id still registered by a crashed run
  const podName = `${w.name}-${Math.random().toString(36).slice(2, 11)}-${Math.random().toString(36).slice(2, 7)}`;
  const { env, problems } = resolveEnv(container, objects, podName);
  if (problems.length) throw new Error(problems.join('\n'));
  const infra = localInfra();
  env.PORT = String(port);
  if (env.MONGO_URI) {
    const local = new URL(infra.MONGO_URI);
    const db = new URL(env.MONGO_URI).pathname.replace(/^\//, '');
    env.MONGO_URI = `mongodb://${local.host}/${db}_image_test`;
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
  return { workload: w, container, env };
}

/** Local infrastructure, as scripts/infra.sh env exports it (scripts/with-infra.js sets it for npm test). */
function localInfra() {
  const need = ['MONGO_URI', 'NATS_STREAMING_URL', 'NATS_CLUSTER_ID', 'REDIS_HOST', 'REDIS_PORT', 'STRIPE_API_BASE'];
  const missing = need.filter((k) => !process.env[k]);
  if (missing.length) {
    throw new Error(`${missing.join(', ')} not set: run through npm test, or eval "$(bash scripts/infra.sh env)" with the infrastructure started`);
  }
  return process.env as Record<string, string>;
}

export interface RunSpec {
  id: string;
  rootfs: string;
  image: ImageConfig;
  container: Container;
  pod: Record<string, any>;
  env: Record<string, string>;
}

/** The cgroup runc puts a container in (cgroupfs, absolute path). */
const cgroupOf = (id: string) => `/ticketing-images/${id}`;

/**
 * An OCI runtime config for runc from the image's config and the
 * Deployment's container: its uid/gid, a read-only root, a tmpfs per
 * emptyDir it mounts, no capabilities, no new privileges, its memory limit;
 * the host's network namespace (no network namespace of its own).
 */
export function runtimeConfig(s: RunSpec): Record<string, any> {
  const sc = { ...(s.pod.securityContext ?? {}), ...(s.container.securityContext ?? {}) };
  const emptyDirs = new Map<string, any>((s.pod.volumes ?? []).filter((v: any) => v.emptyDir).map((v: any) => [v.name, v.emptyDir]));
  const tmpfs = (s.container.volumeMounts ?? [])
    .filter((m: any) => emptyDirs.has(m.name))
    .map((m: any) => {
      const size = emptyDirs.get(m.name).sizeLimit;
      return { destination: m.mountPath, type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', ...(size ? [`size=${bytesOf(size)}`] : [])] };
    });
  const env = { ...envOf(s.image), ...s.env };
  const limit = s.container.resources?.limits?.memory;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: sc.runAsUser, gid: sc.runAsGroup ?? sc.runAsUser },
      args: [...(s.image.Entrypoint ?? []), ...(s.image.Cmd ?? [])],
      env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      cwd: s.image.WorkingDir || '/',
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      noNewPrivileges: sc.allowPrivilegeEscalation === false,
    },
    root: { path: s.rootfs, readonly: sc.readOnlyRootFilesystem === true },
    hostname: s.id,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] },
      // what the kubelet mounts into every container
      { destination: '/etc/hosts', type: 'none', source: '/etc/hosts', options: ['bind', 'ro'] },
      { destination: '/etc/resolv.conf', type: 'none', source: '/etc/resolv.conf', options: ['bind', 'ro'] },
      ...tmpfs,
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      cgroupsPath: cgroupOf(s.id),
      resources: { devices: [{ allow: false, access: 'rwm' }], ...(limit ? { memory: { limit: bytesOf(limit) } } : {}) },
      maskedPaths: ['/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'],
      readonlyPaths: ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

export const runc = (...args: string[]) => tool('runc', ['--root', TOOLS.RUNC_ROOT, ...args]);

export interface Running {
  id: string;
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** The container's init process as the host sees it. */
  pid(): number;
  /** The memory limit the kernel enforces on it, in bytes. */
  memoryLimit(): number;
  remove(): void;
}

/** `runc run` in the foreground (its exit code is the container's). */
export function start(s: RunSpec): Running {
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), `ticketing-bundle-${s.id}-`));
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(runtimeConfig(s), null, 2));
  fs.mkdirSync(TOOLS.RUNC_ROOT, { recursive: true });
  const proc = spawn('runc', ['--root', TOOLS.RUNC_ROOT, 'run', '--bundle', bundle, s.id], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return {
    id: s.id,
    proc,
    output: () => output,
    exited,
    pid: () => JSON.parse(must('runc', ['--root', TOOLS.RUNC_ROOT, 'state', s.id])).pid,
    memoryLimit: () => {
      const v1 = `/sys/fs/cgroup/memory${cgroupOf(s.id)}/memory.limit_in_bytes`;
      const v2 = `/sys/fs/cgroup${cgroupOf(s.id)}/memory.max`;
      return Number(fs.readFileSync(fs.existsSync(v1) ? v1 : v2, 'utf8').trim());
    },
    remove: () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      runc('delete', '--force', s.id);
      fs.rmSync(bundle, { recursive: true, force: true });
    },
  };
}
