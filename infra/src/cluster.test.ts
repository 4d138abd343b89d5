// Every command line skaffold supports, applied to a real control plane
// (kube-apiserver, controller-manager, scheduler v1.36, etcd, kwok's fake
// nodes; lib/cluster.ts): `kubectl apply --server-side -k` of each of its
// kustomizations into a namespace that enforces the `restricted` Pod Security
// standard, the PersistentVolumes the claims need, then every Deployment and
// StatefulSet rolled out, an EndpointSlice with ready endpoints for every
// Service, the Ingress (and, with -p gateway-api, the Gateway and HTTPRoute
// over the Gateway API CRDs) admitted as rendered. kwok fakes the kubelets:
// no container runs here (images.test.ts runs them).
import fs from 'node:fs';
import path from 'node:path';
import { ControlPlane } from './lib/cluster';
import { byKind, documentedSecrets, Variant, variants, workloads } from './lib/model';
import { repoPath } from './lib/repo';
import { K8sObject, kubeconform, TOOLS } from './lib/tools';


const VARIANTS = variants();
const cp = new ControlPlane();
const json = (args: string[]) => JSON.parse(cp.kubectl([...args, '-o', 'json']));
/** kind.group, as kubectl names a resource type. */
const typeOf = (o: K8sObject) => (o.apiVersion.includes('/') ? `${o.kind.toLowerCase()}.${o.apiVersion.split('/')[0]}` : o.kind.toLowerCase());

beforeAll(async () => {
  await cp.up();
}, 180_000);

afterAll(async () => {
  await cp.down();
}, 30_000);

test('the control plane is Kubernetes v1.36.3 with two Ready fake nodes', () => {
  expect(JSON.parse(cp.kubectl(['version', '-o', 'json'])).serverVersion.gitVersion).toBe(TOOLS.KUBERNETES_VERSION);
  expect(json(['get', 'nodes']).items.map((n: any) => n.metadata.name).sort()).toEqual(['kwok-node-0', 'kwok-node-1']);
});

describe('the Gateway API CRDs', () => {
  const files = fs.readdirSync(TOOLS.GATEWAY_API_CRDS).filter((f) => f.endsWith('.yaml')).map((f) => path.join(TOOLS.GATEWAY_API_CRDS, f));

  it('are valid Kubernetes objects (kubeconform)', () => {
    const results = kubeconform(files.map((f) => fs.readFileSync(f, 'utf8')).join('\n---\n'));
    expect(results.length).toBeGreaterThanOrEqual(files.length);
    expect(results.filter((r) => r.status !== 'statusValid')).toEqual([]);
  });

  it('install, and Gateway and HTTPRoute become servable kinds', () => {
    cp.kubectl(['apply', '--server-side', ...files.flatMap((f) => ['-f', f])]);
    cp.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/gateways.gateway.networking.k8s.io', 'crd/httproutes.gateway.networking.k8s.io']);
    const kinds = cp.kubectl(['api-resources', '--api-group=gateway.networking.k8s.io', '-o', 'name']).split('\n');
    expect(kinds).toEqual(expect.arrayContaining(['gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io']));
  }, 90_000);
});

/** What a server-side applied object keeps of what we rendered (the server adds defaults around it). */
function keeps(live: any, rendered: any): boolean {
  if (Array.isArray(rendered)) return Array.isArray(live) && rendered.length === live.length && rendered.every((r, i) => keeps(live[i], r));
  if (rendered && typeof rendered === 'object') return !!live && typeof live === 'object' && Object.keys(rendered).every((k) => keeps(live[k], rendered[k]));
  return String(live) === String(rendered);
}

describe.each(VARIANTS.map((v, i) => [v.label, v, `ticketing-${i}`] as [string, Variant, string]))('%s on the control plane', (_label, variant, ns) => {
  const objects = variant.objects;
  const gateway = variant.profiles.includes('gateway-api');

  beforeAll(() => {
    cp.kubectl(['create', 'namespace', ns]);
    cp.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
    // the secrets as infra/README.md has them created
    for (const s of documentedSecrets()) {
      cp.kubectl(['create', 'secret', 'generic', s.name, '-n', ns, ...Object.entries(s.keys).map(([k, v]) => `--from-literal=${k}=${v}`)]);
    }
    // one pre-bound PersistentVolume per claim a StatefulSet will make
    const pvs = workloads(objects).flatMap((w) =>
      ((w.obj.spec as any).volumeClaimTemplates ?? []).flatMap((t: any) =>
        Array.from({ length: (w.obj.spec as any).replicas ?? 1 }, (_, i) => {
          const claim = `${t.metadata.name}-${w.name}-${i}`;
          return {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: `${ns}-${claim}` },
            spec: {
              capacity: { storage: t.spec.resources.requests.storage },
              accessModes: t.spec.accessModes,
              storageClassName: t.spec.storageClassName ?? '',
              persistentVolumeReclaimPolicy: 'Retain',
              hostPath: { path: `/var/lib/ticketing-test/${ns}/${claim}` },
              claimRef: { namespace: ns, name: claim },
            },
          };
        }),
      ),
    );
    expect(pvs.length).toBeGreaterThan(0);
    cp.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pvs }));
  }, 60_000);

  it('applies server-side, each kustomization as skaffold deploys it, with no Pod Security warning', () => {
    for (const p of variant.kustomizePaths) {
      const out = run(['apply', '--server-side', '--field-manager=skaffold', '-n', ns, '-k', repoPath(p)]);
      expect(out.stderr).not.toMatch(/would violate PodSecurity|Warning:.*PodSecurity/);
    }
    const live = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    const found = objects.map((o) => {
      const got = json(['get', '-n', ns, typeOf(o), o.metadata.name]);
      return `${got.kind}/${got.metadata.name}`;
    });
    expect(found).toEqual(live);
  }, 60_000);

  it('rolls out every Deployment and StatefulSet (pods scheduled on fake nodes, claims bound)', () => {
    for (const w of workloads(objects)) {
      cp.kubectl(['rollout', 'status', '-n', ns, `${w.kind.toLowerCase()}/${w.name}`, '--timeout=120s']);
    }
    const pods = json(['get', 'pods', '-n', ns]).items;
    expect(pods.length).toBe(workloads(objects).reduce((n, w) => n + ((w.obj.spec as any).replicas ?? 1), 0));
    expect(pods.filter((p: any) => p.status.phase !== 'Running').map((p: any) => p.metadata.name)).toEqual([]);
    const claims = json(['get', 'pvc', '-n', ns]).items;
    expect(claims.filter((c: any) => c.status.phase !== 'Bound').map((c: any) => c.metadata.name)).toEqual([]);
    expect(claims.length).toBeGreaterThan(0);
  }, 240_000);

  it('gives every Service an EndpointSlice with ready endpoints on its ports', async () => {
    for (const svc of byKind(objects, 'Service') as K8sObject[]) {
      let ready: string[] = [];
      for (let i = 0; i < 60 && ready.length === 0; i++) {
        const slices = json(['get', 'endpointslices', '-n', ns, '-l', `kubernetes.io/service-name=${svc.metadata.name}`]).items;
        ready = slices.flatMap((s: any) => (s.endpoints ?? []).filter((e: any) => e.conditions?.ready).flatMap((e: any) => e.addresses));
        if (ready.length === 0) await new Promise((r) => setTimeout(r, 500));
      }
      expect({ service: svc.metadata.name, ready: ready.length > 0 }).toEqual({ service: svc.metadata.name, ready: true });
    }
  }, 120_000);

  it(`admits the entry point as rendered: the Ingress${gateway ? ', the Gateway and the HTTPRoute' : ''}`, () => {
    const kinds = gateway ? ['Ingress', 'Gateway', 'HTTPRoute'] : ['Ingress'];
    expect(objects.filter((o) => ['Ingress', 'Gateway', 'HTTPRoute'].includes(o.kind)).map((o) => o.kind)).toEqual(kinds);
    for (const o of objects.filter((x) => kinds.includes(x.kind))) {
      const live = json(['get', '-n', ns, typeOf(o), o.metadata.name]);
      expect({ object: `${o.kind}/${o.metadata.name}`, keepsSpec: keeps(live.spec, o.spec) }).toEqual({ object: `${o.kind}/${o.metadata.name}`, keepsSpec: true });
    }
  });
});

test('the API server refuses what its schema refuses (the apply above is a real check)', () => {
  const ns = 'ticketing-refusal';
  cp.kubectl(['create', 'namespace', ns]);
  cp.kubectl(['label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted']);
  const [deployment] = VARIANTS[0].objects.filter((o) => o.kind === 'Deployment');
  const bad = structuredClone(deployment);
  bad.spec.template.spec.containers[0].resourcez = {};
  expect(() => cp.kubectl(['apply', '--server-side', '-n', ns, '-f', '-'], JSON.stringify(bad))).toThrow(/resourcez|unknown field/);
  const root = structuredClone(deployment);
  root.metadata.name = 'runs-as-root';
  root.spec.template.spec.securityContext.runAsNonRoot = false;
  // Pod Security admission lets the Deployment in with a warning; its pods are refused
  expect(run(['apply', '--server-side', '-n', ns, '-f', '-'], JSON.stringify(root)).stderr).toMatch(/violate PodSecurity "restricted/);
});

/** kubectl with its stderr (warnings) kept. */
function run(args: string[], input?: string): { stdout: string; stderr: string } {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync('kubectl', ['--kubeconfig', cp.kubeconfig, ...args], { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}
