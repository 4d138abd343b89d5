// Which kustomizations and images skaffold uses for a command line: its
// profiles resolved the way skaffold resolves them (profiles activated by the
// command first, then `-p` in order, `-p -name` switching one off). The schema
// itself is skaffold's own, checked by kubeconform (see tools.ts); this only
// follows the two profile mechanisms skaffold.yaml uses (a replaced artifact
// list, JSON patches of the manifest paths) and refuses any other.
import * as yaml from 'js-yaml';
import { isObject, readRepoFile } from './repo';

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

interface Patch {
  op: string;
  path: string;
  value?: unknown;
}

export interface SkaffoldConfig {
  apiVersion: string;
  kind: string;
  build: { artifacts: Artifact[]; local?: Record<string, unknown> };
  manifests: { kustomize: { paths: string[] }; rawYaml?: string[] };
  profiles?: Array<{ name: string; activation?: Array<{ command?: string }>; build?: { artifacts: Artifact[] }; patches?: Patch[] }>;
}

export const loadSkaffold = (): SkaffoldConfig => yaml.load(readRepoFile('skaffold.yaml')) as SkaffoldConfig;

export function activeProfiles(cfg: SkaffoldConfig, command: 'dev' | 'run', named: string[]): string[] {
  const out = (cfg.profiles ?? []).filter((p) => (p.activation ?? []).some((a) => a.command === command)).map((p) => p.name);
  for (const n of named) {
    if (n.startsWith('-')) out.splice(out.indexOf(n.slice(1)) >>> 0, out.includes(n.slice(1)) ? 1 : 0);
    else if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** RFC 6902 `replace` and `add` (what the profiles use); anything else throws. */
function applyPatch(doc: SkaffoldConfig, p: Patch, where: string): void {
  const parts = p.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop()!;
  let parent: unknown = doc;
  for (const part of parts) parent = isObject(parent) || Array.isArray(parent) ? (parent as any)[part] : undefined; // eslint-disable-line @typescript-eslint/no-explicit-any -- walking an untyped YAML document by path
  if (!Array.isArray(parent) && !isObject(parent)) throw new Error(`${where}: ${p.path} does not exist`);
  if (p.op === 'replace') {
    if (!(Array.isArray(parent) ? Number(last) < parent.length : last in parent)) throw new Error(`${where}: ${p.path} does not exist`);
    (parent as Record<string, unknown>)[last] = p.value;
  } else if (p.op === 'add' && Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, p.value);
  else if (p.op === 'add') (parent as Record<string, unknown>)[last] = p.value;
  else throw new Error(`${where}: op ${p.op} is not one skaffold.yaml uses`);
}

export function applyProfiles(cfg: SkaffoldConfig, names: string[]): SkaffoldConfig {
  const out = structuredClone(cfg);
  delete out.profiles;
  for (const name of names) {
    const profile = (cfg.profiles ?? []).find((p) => p.name === name);
    if (!profile) throw new Error(`skaffold.yaml has no profile ${name}`);
    const extra = Object.keys(profile).filter((k) => !['name', 'activation', 'build', 'patches'].includes(k));
    if (extra.length) throw new Error(`profile ${name}: ${extra.join(', ')} not followed by this test`);
    if (profile.build) out.build = { ...out.build, artifacts: structuredClone(profile.build.artifacts) };
    for (const p of profile.patches ?? []) applyPatch(out, structuredClone(p), `profile ${name}`);
  }
  return out;
}
