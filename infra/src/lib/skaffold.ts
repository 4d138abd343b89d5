// skaffold.yaml without skaffold: the fields it may use (a subset of the
// skaffold/v4beta14 schema, unknown keys rejected like skaffold does), and
// profile activation as skaffold does it (overlay the profile's sections —
// a list in a profile replaces the list — then apply its JSON patches).
import yaml from 'js-yaml';
import { applyJsonPatch } from './kustomize';
import { isObject, readRepoFile } from './repo';

export const SKAFFOLD_API_VERSION = 'skaffold/v4beta14';

type Spec = 'string' | 'boolean' | 'integer' | 'any' | { object: Record<string, Spec> } | { array: Spec } | { map: Spec };

const str: Spec = 'string';
const bool: Spec = 'boolean';
const strings: Spec = { array: 'string' };

const artifact: Spec = {
  object: {
    image: str,
    context: str,
    sync: {
      object: {
        manual: { array: { object: { src: str, dest: str, strip: str } } },
        infer: strings,
        auto: bool,
        hooks: 'any',
      },
    },
    requires: 'any',
    hooks: 'any',
    platforms: strings,
    runtimeType: str,
    docker: {
      object: {
        dockerfile: str,
        target: str,
        buildArgs: { map: str },
        network: str,
        addHost: strings,
        cacheFrom: strings,
        cacheTo: strings,
        cliFlags: strings,
        pullParent: bool,
        noCache: bool,
        squash: bool,
        secrets: 'any',
        ssh: str,
      },
    },
  },
};

const build: Spec = {
  object: {
    artifacts: { array: artifact },
    insecureRegistries: strings,
    tagPolicy: 'any',
    platforms: strings,
    local: {
      object: { push: bool, tryImportMissing: bool, useDockerCLI: bool, useBuildkit: bool, concurrency: 'integer' },
    },
  },
};

const manifests: Spec = {
  object: {
    rawYaml: strings,
    kustomize: { object: { paths: strings, buildArgs: strings } },
    hooks: 'any',
  },
};

const deploy: Spec = {
  object: {
    kubectl: { object: { defaultNamespace: str, flags: 'any', hooks: 'any', remoteManifests: strings } },
    kubeContext: str,
    statusCheck: bool,
    statusCheckDeadlineSeconds: 'integer',
    tolerateFailuresUntilDeadline: bool,
    logs: 'any',
  },
};

const pipeline = { build, manifests, deploy, test: 'any' as Spec, portForward: 'any' as Spec, resourceSelector: 'any' as Spec, verify: 'any' as Spec };

const config: Spec = {
  object: {
    apiVersion: str,
    kind: str,
    metadata: { object: { name: str, labels: { map: str }, annotations: { map: str } } },
    requires: 'any',
    ...pipeline,
    profiles: {
      array: {
        object: {
          name: str,
          activation: { array: { object: { env: str, kubeContext: str, command: str } } },
          requiresAllActivations: bool,
          patches: { array: { object: { op: str, path: str, from: str, value: 'any' } } },
          ...pipeline,
        },
      },
    },
  },
};

/** Keys skaffold would reject and values of the wrong type, as `path: problem`. */
export function skaffoldSchemaErrors(doc: unknown, spec: Spec = config, at = ''): string[] {
  if (spec === 'any') return [];
  if (spec === 'string') return typeof doc === 'string' ? [] : [`${at}: expected a string`];
  if (spec === 'boolean') return typeof doc === 'boolean' ? [] : [`${at}: expected a boolean`];
  if (spec === 'integer') return Number.isInteger(doc) ? [] : [`${at}: expected an integer`];
  if ('array' in spec) {
    if (!Array.isArray(doc)) return [`${at}: expected a list`];
    return doc.flatMap((item, i) => skaffoldSchemaErrors(item, spec.array, `${at}[${i}]`));
  }
  if (!isObject(doc)) return [`${at}: expected a mapping`];
  if ('map' in spec) return Object.entries(doc).flatMap(([k, v]) => skaffoldSchemaErrors(v, spec.map, `${at}.${k}`));
  return Object.entries(doc).flatMap(([k, v]) =>
    k in spec.object ? skaffoldSchemaErrors(v, spec.object[k], `${at}.${k}`) : [`${at}.${k}: unknown field`],
  );
}

export interface SyncRule {
  src: string;
  dest: string;
  strip?: string;
}

export interface Artifact {
  image: string;
  context?: string;
  sync?: { manual?: SyncRule[] };
  docker?: { dockerfile?: string; target?: string; buildArgs?: Record<string, string> };
}

export interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  build: { artifacts: Artifact[]; local?: Record<string, unknown> };
  manifests: { kustomize?: { paths: string[] }; rawYaml?: string[] };
  deploy?: Record<string, unknown>;
  profiles?: Array<{
    name: string;
    activation?: Array<{ command?: string; env?: string; kubeContext?: string }>;
    patches?: Array<{ op?: string; path: string; value?: unknown }>;
    build?: Record<string, unknown>;
    manifests?: Record<string, unknown>;
    deploy?: Record<string, unknown>;
  }>;
}

export function loadSkaffold(): SkaffoldConfig {
  return yaml.load(readRepoFile('skaffold.yaml')) as SkaffoldConfig;
}

/** skaffold's overlay: mappings merge, a non-empty list or a set scalar in the profile wins. */
function overlay(base: unknown, top: unknown): unknown {
  if (top === undefined || top === null) return base;
  if (Array.isArray(top)) return top.length ? structuredClone(top) : base;
  if (isObject(top)) {
    const out: Record<string, unknown> = isObject(base) ? { ...base } : {};
    for (const [k, v] of Object.entries(top)) out[k] = overlay(out[k], v);
    return out;
  }
  return top === '' || top === 0 || top === false ? base : top;
}

/** The profiles skaffold activates for a command and `-p` list, in skaffold's order. */
export function activeProfiles(cfg: SkaffoldConfig, command: 'dev' | 'run', named: string[]): string[] {
  const auto = (cfg.profiles ?? [])
    .filter((p) => (p.activation ?? []).some((a) => a.command === command && !a.env && !a.kubeContext))
    .map((p) => p.name);
  const out = [...auto];
  for (const n of named) {
    if (n.startsWith('-')) {
      const i = out.indexOf(n.slice(1));
      if (i >= 0) out.splice(i, 1);
    } else if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** The effective pipeline with these profiles applied in this order. */
export function applyProfiles(cfg: SkaffoldConfig, names: string[]): SkaffoldConfig {
  let out = structuredClone(cfg);
  delete out.profiles;
  for (const name of names) {
    const profile = (cfg.profiles ?? []).find((p) => p.name === name);
    if (!profile) throw new Error(`no profile ${name}`);
    for (const section of ['build', 'manifests', 'deploy'] as const) {
      (out as unknown as Record<string, unknown>)[section] = overlay(out[section], profile[section]);
    }
    if (profile.patches?.length) {
      out = applyJsonPatch(
        out,
        profile.patches.map((p) => ({ op: p.op ?? 'replace', path: p.path, value: p.value })),
        `profile ${name}`,
      );
    }
  }
  return out;
}
