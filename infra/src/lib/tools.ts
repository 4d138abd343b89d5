// The real tools the suite runs (installed by scripts/k8s-tools.sh under
// .local/k8s; jest's globalSetup installs what is missing): kubectl's
// kustomize renders, kubeconform validates against the Kubernetes schemas of
// the version we target, skaffold's own schema and the Gateway API CRDs.
import { execFileSync, spawnSync } from 'node:child_process';
import * as yaml from 'js-yaml';
import { REPO, repoPath } from './repo';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes manifests and tool output are untyped YAML/JSON, read by path */
export type K8sObject = Record<string, any> & { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any } };

/** `scripts/k8s-tools.sh env`: where each tool is. */
export const TOOLS: Record<string, string> = Object.fromEntries(
  execFileSync('bash', [repoPath('scripts/k8s-tools.sh'), 'env'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^export (\w+)="(.*)"$/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => [m[1], m[2]]),
);

export const bin = (name: string): string => `${TOOLS.K8S_BIN}/${name}`;

/** Runs a tool, returns stdout; throws with its stderr on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { input?: string; env?: Record<string, string>; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input, cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export const parseYaml = (text: string): K8sObject[] => yaml.loadAll(text).filter((d) => d !== null && d !== undefined) as K8sObject[];

/** `kubectl kustomize <dir>` (the kustomize built into kubectl). */
export const kustomize = (relDir: string): string => run('kubectl', ['kustomize', repoPath(relDir)]);

export interface Validation {
  resource: string;
  status: string;
  msg: string;
}

/**
 * kubeconform -strict over YAML documents: the Kubernetes schemas of
 * K8S_SCHEMA_VERSION, then the Gateway API CRDs' schemas, then skaffold's.
 * Returns one line per document; kubeconform's own exit code is not used so
 * that a caller sees each document's verdict.
 */
export function kubeconform(docs: string): Validation[] {
  const r = spawnSync(
    bin('kubeconform'),
    [
      '-strict',
      '-output', 'json',
      '-verbose',
      '-kubernetes-version', TOOLS.K8S_SCHEMA_VERSION,
      '-schema-location', `${TOOLS.K8S_SCHEMAS}/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
      '-schema-location', `${TOOLS.GATEWAY_API_SCHEMAS}/{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}.json`,
      '-schema-location', `${TOOLS.K8S_TOOLS_DIR}/{{ .Group }}/{{ .ResourceAPIVersion }}.json`,
      '-',
    ],
    { input: docs, encoding: 'utf8' },
  );
  if (r.error) throw r.error;
  const out = JSON.parse(r.stdout || '{"resources":[]}');
  return (out.resources ?? []).map((x: any) => ({ resource: `${x.kind}/${x.name}`, status: x.status, msg: x.msg ?? '' }));
}
