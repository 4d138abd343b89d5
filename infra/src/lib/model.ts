// What the rendered manifests mean: workloads, their pods and containers,
// the env a container would see, and the variants skaffold deploys.
import fs from 'node:fs';
import path from 'node:path';
import { isObject, readRepoFile, repoPath } from './repo';
import { activeProfiles, applyProfiles, loadSkaffold, SkaffoldConfig } from './skaffold';
import { K8sObject, kustomize, parseYaml } from './tools';

export type { K8sObject };

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes manifests and tool output are untyped YAML/JSON, read by path */
export type Container = Record<string, any> & { name: string; image: string };
export type PodSpec = Record<string, any> & { containers: Container[] };

export interface Workload {
  obj: K8sObject;
  kind: 'Deployment' | 'StatefulSet';
  name: string;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  pod: PodSpec;
  /** Names of the StatefulSet's volumeClaimTemplates. */
  claimTemplates: string[];
}

export function workloads(objects: K8sObject[]): Workload[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .map((o) => {
      const spec = o.spec as any;
      return {
        obj: o,
        kind: o.kind as Workload['kind'],
        name: o.metadata.name,
        selector: spec.selector?.matchLabels ?? {},
        podLabels: spec.template?.metadata?.labels ?? {},
        pod: spec.template.spec as PodSpec,
        claimTemplates: (spec.volumeClaimTemplates ?? []).map((t: any) => t.metadata.name),
      };
    });
}

export const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

export const find = (objects: K8sObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

/** Does a label selector select these labels? */
export const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Is this one of our images (built by skaffold) rather than a third-party one? */
export const isOwnImage = (image: string) => image.startsWith('ticketing/');

/** The container port a probe's or Service's port names, by name or number. */
export function containerPort(c: Container, port: string | number): number | undefined {
  const ports: Array<{ name?: string; containerPort: number }> = c.ports ?? [];
  const hit = typeof port === 'number' ? ports.find((p) => p.containerPort === port) : ports.find((p) => p.name === port);
  return hit?.containerPort;
}

// ------------------------------------------------------------- secrets --

export interface DocumentedSecret {
  name: string;
  /** key -> the example value the README's command uses. */
  keys: Record<string, string>;
}

/** The `kubectl create secret generic` commands of infra/README.md. */
export function documentedSecrets(): DocumentedSecret[] {
  const readme = readRepoFile('infra/README.md').replace(/\\\n\s*/g, ' ');
  const out: DocumentedSecret[] = [];
  for (const m of readme.matchAll(/kubectl create secret generic (\S+)((?:\s+--from-literal=[^\s]+)+)/g)) {
    const keys: Record<string, string> = {};
    for (const lit of m[2].matchAll(/--from-literal=([A-Za-z0-9_]+)=("[^"]*"|'[^']*'|\S+)/g)) {
      keys[lit[1]] = lit[2].replace(/^["']|["']$/g, '');
    }
    const existing = out.find((s) => s.name === m[1]);
    if (existing) Object.assign(existing.keys, keys);
    else out.push({ name: m[1], keys });
  }
  return out;
}

// ----------------------------------------------------------------- env --

export interface ResolvedEnv {
  env: Record<string, string>;
  problems: string[];
}

/**
 * The environment a container would get, with references resolved against
 * the rendered objects: ConfigMap keys, the README's example secret values,
 * the pod name for metadata.name. Unresolvable references are problems.
 */
export function resolveEnv(c: Container, objects: K8sObject[], podName: string): ResolvedEnv {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  const secrets = documentedSecrets();
  for (const e of (c.env ?? []) as any[]) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const cm = find(objects, 'ConfigMap', ref.name) as any;
      const value = cm?.data?.[ref.key];
      if (typeof value === 'string') env[e.name] = value;
      else if (!ref.optional) problems.push(`${e.name}: ConfigMap ${ref.name} has no key ${ref.key}`);
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const value = secrets.find((s) => s.name === ref.name)?.keys[ref.key];
      if (value !== undefined) env[e.name] = value;
      else problems.push(`${e.name}: secret ${ref.name} key ${ref.key} is not documented in infra/README.md`);
    } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[e.name] = podName;
    else problems.push(`${e.name}: a value the test cannot resolve (${JSON.stringify(e.valueFrom ?? e)})`);
  }
  for (const src of (c.envFrom ?? []) as any[]) problems.push(`envFrom is not used here (${JSON.stringify(src)})`);
  return { env, problems };
}

/**
 * Names of the env vars a tree of sources reads at run time (process.env.X,
 * readEnv('X')); tests and build-time configuration (next.config.js) aside.
 */
export function envReadBySources(...relDirs: string[]): Set<string> {
  const names = new Set<string>();
  const walk = (abs: string) => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      if (['node_modules', '.next', 'dist', 'next.config.js'].includes(entry.name)) continue;
      const child = path.join(abs, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (/\.(ts|tsx|js)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !child.includes(`${path.sep}test${path.sep}`)) {
        const text = fs.readFileSync(child, 'utf8');
        for (const m of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)|process\.env\[['"]([A-Z][A-Z0-9_]*)['"]\]|readEnv\(['"]([A-Z][A-Z0-9_]*)['"]\)/g)) {
          names.add(m[1] ?? m[2] ?? m[3]);
        }
      }
    }
  };
  for (const d of relDirs) if (fs.existsSync(repoPath(d))) walk(repoPath(d));
  return names;
}

// ------------------------------------------------------- zod (config) --

/**
 * The keys of a zod object schema, through merge / intersection / refine /
 * transform (zod 4: refinements live on the schema itself, a transform is a
 * pipe, wrappers hold `innerType`).
 */
export function zodKeys(schema: any): string[] {
  const def = schema?._zod?.def;
  if (!def) return [];
  switch (def.type) {
    case 'object':
      return Object.keys(def.shape);
    case 'pipe':
      return zodKeys(def.in);
    case 'intersection':
      return [...new Set([...zodKeys(def.left), ...zodKeys(def.right)])];
    case 'union':
      return [...new Set((def.options as any[]).flatMap(zodKeys))];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return zodKeys(def.innerType);
    case 'lazy':
      return zodKeys(def.getter());
    default:
      return [];
  }
}

// ------------------------------------------------------------ variants --

export interface Variant {
  /** The command line that deploys it. */
  label: string;
  command: 'dev' | 'run';
  profiles: string[];
  skaffold: SkaffoldConfig;
  kustomizePaths: string[];
  /** What `kubectl kustomize` renders for each path, joined. */
  rendered: string;
  objects: K8sObject[];
}

/** The command lines the suite proves, as [command, -p profiles]. */
export const COMMAND_LINES: Array<[Variant['command'], string[]]> = [
  ['run', []],
  ['run', ['jetstream']],
  ['run', ['gateway-api']],
  ['dev', []],
  ['dev', ['jetstream']],
  ['dev', ['gateway-api']],
  ['dev', ['observability']],
];

/** What skaffold deploys for each supported command line. */
export function variants(): Variant[] {
  const cfg = loadSkaffold();
  const rendered = new Map<string, string>();
  const render = (p: string) => rendered.get(p) ?? rendered.set(p, kustomize(p)).get(p)!;
  return COMMAND_LINES.map(([command, named]) => {
    const skaffold = applyProfiles(cfg, activeProfiles(cfg, command, named));
    const kustomizePaths = skaffold.manifests.kustomize.paths;
    const text = kustomizePaths.map(render).join('---\n');
    return {
      label: `skaffold ${command}${named.map((n) => ` -p ${n}`).join('')}`,
      command,
      profiles: named,
      skaffold,
      kustomizePaths,
      rendered: text,
      objects: parseYaml(text),
    };
  });
}

/** Flags of a container command line: `--dir /data` and `--dir=/data` both give dir -> /data. */
export function flagValue(args: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    for (const n of names) {
      if (args[i] === n) return args[i + 1];
      if (args[i].startsWith(`${n}=`)) return args[i].slice(n.length + 1);
    }
  }
  return undefined;
}

export const hasFlag = (args: string[], ...names: string[]) => args.some((a) => names.includes(a));

export { isObject };
