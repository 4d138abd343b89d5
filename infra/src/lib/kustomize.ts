// A small, strict stand-in for `kustomize build` (no binary here): it
// supports exactly the features infra/ uses — `resources` (files and
// folders), `components` (kind Component: resources and patches applied to
// what the including kustomization has) and `patches` in RFC 6902 form with
// a target — and refuses any
// other kustomization field, so that a manifest relying on something this
// emulation does not do fails loudly instead of being checked wrongly.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { isK8sObject, K8sObject } from './k8s-schema';
import { isObject, loadYamlDocs, REPO } from './repo';

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'patches']);

export interface Kustomization {
  apiVersion: 'kustomize.config.k8s.io/v1beta1' | 'kustomize.config.k8s.io/v1alpha1';
  kind: 'Kustomization' | 'Component';
  resources?: string[];
  components?: string[];
  patches?: Array<{ path?: string; patch?: string; target?: PatchTarget }>;
}

export interface PatchTarget {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
}

export interface Built {
  objects: K8sObject[];
  /** Every file the build read, relative to the repository root. */
  files: string[];
}

const rel = (abs: string) => path.relative(REPO, abs).split(path.sep).join('/');

export function readKustomization(dir: string): Kustomization {
  const file = path.join(dir, 'kustomization.yaml');
  const doc = yaml.load(fs.readFileSync(file, 'utf8'));
  if (!isObject(doc)) throw new Error(`${rel(file)}: not a mapping`);
  const kustomization = doc.apiVersion === 'kustomize.config.k8s.io/v1beta1' && doc.kind === 'Kustomization';
  const component = doc.apiVersion === 'kustomize.config.k8s.io/v1alpha1' && doc.kind === 'Component';
  if (!kustomization && !component) {
    throw new Error(`${rel(file)}: expected apiVersion kustomize.config.k8s.io/v1beta1, kind Kustomization (or v1alpha1 Component)`);
  }
  for (const key of Object.keys(doc)) {
    if (!SUPPORTED_FIELDS.has(key)) throw new Error(`${rel(file)}: field "${key}" is not supported by the test's kustomize emulation`);
  }
  return doc as unknown as Kustomization;
}

/** `kustomize build <dir>`, for the subset above. `dir` is relative to the repository root. */
export function kustomizeBuild(dir: string, visiting: string[] = [], base?: Built): Built {
  const abs = path.resolve(REPO, dir);
  for (const seen of visiting) {
    // kustomize refuses a base that contains the kustomization using it
    if (seen === abs || seen.startsWith(abs + path.sep)) {
      throw new Error(`${rel(abs)}: cycle: it contains the kustomization ${rel(seen)} that uses it`);
    }
  }
  const k = readKustomization(abs);
  if ((k.kind === 'Component') !== !!base) throw new Error(`${rel(abs)}: a Component is only used from \`components\`, a Kustomization never`);
  const files = [...(base?.files ?? []), rel(path.join(abs, 'kustomization.yaml'))];
  let objects: K8sObject[] = [...(base?.objects ?? [])];
  for (const entry of k.resources ?? []) {
    const target = path.resolve(abs, entry);
    if (!fs.existsSync(target)) throw new Error(`${rel(abs)}: resource ${entry} does not exist`);
    if (fs.statSync(target).isDirectory()) {
      const built = kustomizeBuild(rel(target), [...visiting, abs]);
      objects.push(...built.objects);
      files.push(...built.files);
    } else {
      files.push(rel(target));
      for (const doc of loadYamlDocs(target)) {
        if (!isK8sObject(doc)) throw new Error(`${rel(target)}: a document is not a Kubernetes object`);
        objects.push(doc);
      }
    }
  }
  for (const entry of k.components ?? []) {
    const target = path.resolve(abs, entry);
    if (!fs.existsSync(path.join(target, 'kustomization.yaml'))) throw new Error(`${rel(abs)}: component ${entry} does not exist`);
    const built = kustomizeBuild(rel(target), [...visiting, abs], { objects, files: [] });
    objects = built.objects;
    files.push(...built.files);
  }
  const ids = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
    if (ids.has(id)) throw new Error(`${rel(abs)}: ${o.kind}/${o.metadata.name} is defined twice`);
    ids.add(id);
  }
  for (const [i, p] of (k.patches ?? []).entries()) {
    const where = `${rel(abs)} patches[${i}]`;
    let text: string;
    if (p.path) {
      text = fs.readFileSync(path.resolve(abs, p.path), 'utf8');
      files.push(rel(path.resolve(abs, p.path)));
    } else if (typeof p.patch === 'string') text = p.patch;
    else throw new Error(`${where}: needs path or patch`);
    const ops = yaml.load(text);
    if (!Array.isArray(ops)) throw new Error(`${where}: only RFC 6902 (JSON patch) patches are supported by the emulation`);
    if (!p.target) throw new Error(`${where}: a JSON patch needs a target`);
    const matched = objects.filter((o) => matches(o, p.target!));
    if (matched.length === 0) throw new Error(`${where}: target matches no object`);
    objects = objects.map((o) => (matched.includes(o) ? applyJsonPatch(o, ops, `${where} on ${o.kind}/${o.metadata.name}`) : o));
  }
  return { objects, files };
}

function matches(o: K8sObject, t: PatchTarget): boolean {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  if (t.group !== undefined && t.group !== group) return false;
  if (t.version !== undefined && t.version !== version) return false;
  if (t.kind !== undefined && t.kind !== o.kind) return false;
  if (t.name !== undefined && t.name !== o.metadata.name) return false;
  if (t.namespace !== undefined && t.namespace !== (o.metadata.namespace ?? 'default')) return false;
  if (t.labelSelector !== undefined) {
    for (const term of t.labelSelector.split(',')) {
      const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(\S*)\s*$/.exec(term);
      if (!m) throw new Error(`labelSelector term "${term}" is not supported by the emulation (equality only)`);
      const actual = o.metadata.labels?.[m[1]];
      if (m[2] === '!=' ? actual === m[3] : actual !== m[3]) return false;
    }
  }
  return true;
}

const pointer = (p: string): string[] => {
  if (!p.startsWith('/')) throw new Error(`JSON pointer ${p} must start with /`);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
};

/** RFC 6902 add / replace / remove / test, failing like kustomize on a missing path. */
export function applyJsonPatch<T>(doc: T, ops: unknown[], where: string): T {
  const copy = structuredClone(doc) as unknown;
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new Error(`${where}: malformed operation`);
    const parts = pointer(raw.path);
    const last = parts.pop()!;
    let parent: unknown = copy;
    for (const part of parts) {
      parent = Array.isArray(parent) ? parent[Number(part)] : isObject(parent) ? parent[part] : undefined;
      if (parent === undefined) throw new Error(`${where}: ${raw.path} does not exist`);
    }
    const exists = Array.isArray(parent) ? Number(last) < parent.length : isObject(parent) && last in parent;
    switch (raw.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, raw.value);
        else if (isObject(parent)) parent[last] = raw.value;
        else throw new Error(`${where}: cannot add under ${raw.path}`);
        break;
      case 'replace':
        if (!exists) throw new Error(`${where}: replace of ${raw.path}, which does not exist`);
        (parent as Record<string, unknown>)[last] = raw.value;
        break;
      case 'remove':
        if (!exists) throw new Error(`${where}: remove of ${raw.path}, which does not exist`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete (parent as Record<string, unknown>)[last];
        break;
      case 'test':
        if (JSON.stringify((parent as Record<string, unknown>)[last]) !== JSON.stringify(raw.value)) {
          throw new Error(`${where}: test of ${raw.path} failed`);
        }
        break;
      default:
        throw new Error(`${where}: op ${raw.op} is not supported by the emulation`);
    }
  }
  return copy as T;
}
