// The Kubernetes manifests as the real tools see them: for each command line
// skaffold supports, its kustomizations rendered by `kubectl kustomize`,
// validated by kubeconform -strict against the schemas of the Kubernetes
// version we target (and the Gateway API CRDs'); then our own checks over
// the rendered objects: references resolved, the invariants of
// infra/README.md. cluster.test.ts applies the same to a real control plane.
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';
import {
  byKind,
  Container,
  containerPort,
  documentedSecrets,
  envReadBySources,
  find,
  flagValue,
  hasFlag,
  isOwnImage,
  resolveEnv,
  selects,
  Variant,
  variants,
  Workload,
  workloads,
  zodKeys,
} from './lib/model';
import { IMAGES, imageOf, listFiles, loadYamlDocs, readRepoFile, repoPath, SERVICES } from './lib/repo';
import { activeProfiles, applyProfiles, loadSkaffold } from './lib/skaffold';
import { K8sObject, kubeconform, parseYaml, TOOLS } from './lib/tools';


const VARIANTS = variants();

/** The files a kustomization reads: its resources, recursively (folders are kustomizations). */
function kustomizationFiles(relDir: string): string[] {
  const k = yaml.load(readRepoFile(path.posix.join(relDir, 'kustomization.yaml'))) as { resources?: string[]; components?: string[] };
  return [
    path.posix.join(relDir, 'kustomization.yaml'),
    ...[...(k.resources ?? []), ...(k.components ?? [])].flatMap((r) => {
      const rel = path.posix.normalize(path.posix.join(relDir, r));
      return fs.statSync(repoPath(rel)).isDirectory() ? kustomizationFiles(rel) : [rel];
    }),
  ];
}

/** The contract's path routing (docs/contract.md), as the ingress-nginx regex paths. */
const ROUTES: Array<[string, string]> = [
  ['/api/users/?(.*)', 'auth-srv'],
  ['/api/tickets/?(.*)', 'tickets-srv'],
  ['/api/orders/?(.*)', 'orders-srv'],
  ['/api/waitlist/?(.*)', 'orders-srv'],
  ['/api/payments/?(.*)', 'payments-srv'],
  ['/api/payouts/?(.*)', 'payments-srv'],
  ['/api/events/?(.*)', 'events-srv'],
  ['/api/notifications/?(.*)', 'notifications-srv'],
  ['/api/passes/?(.*)', 'tickets-srv'],
  ['/api/docs/?(.*)', 'client-srv'],
  ['/?(.*)', 'client-srv'],
];

/** The longest a service takes to stop after SIGTERM: its HTTP drain (common's runService) plus the hard-stop margin. */
function serviceStopSeconds(): number {
  const source = readRepoFile('common/src/service/run-service.ts');
  const drain = /drainMs\s*\?\?\s*(\d+)/.exec(source);
  const margin = /drainMs\s*\+\s*(\d+)/.exec(source);
  if (!drain || !margin) throw new Error('common/src/service/run-service.ts no longer shows its drain (drainMs ?? N, drainMs + N): update this test');
  return (Number(drain[1]) + Number(margin[1])) / 1000;
}

/**
 * Health endpoints of the third-party images, from their documentation:
 * NATS monitoring (`/healthz`, with `js-enabled-only` / `js-server-only`
 * since 2.7) and NATS Streaming's own `/streaming/serverz`.
 */
const THIRD_PARTY_HTTP_PROBES: Record<string, string[]> = {
  'nats-streaming': ['/healthz', '/streaming/serverz'],
  nats: ['/healthz', '/healthz?js-enabled-only=true', '/healthz?js-server-only=true'],
  // Mailpit's liveness and readiness (server/server.go).
  mailpit: ['/livez', '/readyz'],
};

/** Where each store keeps its data, read from its command line. */
const DATA_DIRS: Record<string, (args: string[]) => string | undefined> = {
  mongo: (a) => flagValue(a, '--dbpath') ?? '/data/db',
  redis: (a) => flagValue(a, '--dir'),
  valkey: (a) => flagValue(a, '--dir'),
  'nats-streaming': (a) => flagValue(a, '--dir', '-dir'),
  nats: (a) => flagValue(a, '--store_dir', '-sd'),
  // The folder of its message database.
  mailpit: (a) => flagValue(a, '--database', '-d')?.replace(/\/[^/]*$/, ''),
};

const repoOf = (image: string) => image.split(':')[0].split('/').pop()!;
const containersOf = (w: Workload): Container[] => [...(w.pod.initContainers ?? []), ...w.pod.containers];
const ownWorkloads = (objects: K8sObject[]) => workloads(objects).filter((w) => w.pod.containers.some((c) => isOwnImage(c.image)));

/** Paths an HTTP service answers, from its sources. */
async function servedPaths(name: string): Promise<string[]> {
  if (name === 'client') {
    // next.config.js rewrites /healthz and /readyz to API routes (pages/api/*) of its own
    const config = require(repoPath('client/next.config.js'));
    const rules: Array<{ source: string; destination: string }> = await config.rewrites();
    const pageExists = (dest: string) => ['.ts', '.tsx', '.js'].some((ext) => fs.existsSync(repoPath('client/pages', dest + ext)));
    return rules.filter((r) => pageExists(r.destination)).map((r) => r.source);
  }
  const routes = (text: string) => [...text.matchAll(/\b(?:app|probes)\.get\(\s*['"](\/[^'"]*)['"]/g)].map((m) => m[1]);
  const own = listFiles(`${name}/src`, (f) => f.endsWith('.ts') && !f.endsWith('.test.ts')).map(readRepoFile).join('\n');
  const usesCommonApp = /\bcreateServiceApp\(/.test(own);
  return [...routes(own), ...(usesCommonApp ? routes(readRepoFile('common/src/http/app.ts')) : [])];
}

describe('the manifest files', () => {
  const files = listFiles('infra', (f) => /^infra\/k8s(-dev)?\//.test(f) && /\.ya?ml$/.test(f));

  it('are all read by a kustomization that skaffold deploys', () => {
    const used = new Set(VARIANTS.flatMap((v) => v.kustomizePaths.flatMap(kustomizationFiles)));
    expect(files.filter((f) => !used.has(f))).toEqual([]);
  });

  it('hold only valid Kubernetes objects (kustomization.yaml aside) and no Secret', () => {
    for (const f of files.filter((x) => path.basename(x) !== 'kustomization.yaml')) {
      const docs = loadYamlDocs(repoPath(f)) as K8sObject[];
      expect(docs.length).toBeGreaterThan(0);
      const results = kubeconform(readRepoFile(f));
      expect({ file: f, invalid: results.filter((r) => r.status !== 'statusValid') }).toEqual({ file: f, invalid: [] });
      expect(results.length).toBe(docs.length);
      for (const doc of docs) expect({ file: f, kind: doc.kind }).not.toEqual({ file: f, kind: 'Secret' });
    }
  });

  it('keep one Ingress, in infra/k8s/ingress-srv.yaml (the local gateway reads it)', () => {
    const docs = loadYamlDocs(repoPath('infra/k8s/ingress-srv.yaml')) as K8sObject[];
    expect(docs.map((d) => d.kind)).toEqual(['Ingress']);
    for (const v of VARIANTS) expect(byKind(v.objects, 'Ingress')).toEqual(docs);
  });
});

describe('kubeconform, as this suite runs it', () => {
  const [deployment] = parseYaml(readRepoFile('infra/k8s/auth.yaml'));

  it(`validates against Kubernetes ${TOOLS.K8S_SCHEMA_VERSION} and refuses an unknown field, a wrong type, an unknown kind`, () => {
    expect(kubeconform(yaml.dump(deployment)).map((r) => r.status)).toEqual(['statusValid']);
    // JSON copies, not structuredClone: under jest that returns objects of Node's own realm, whose
    // Object.prototype is not the test's, and js-yaml 5's dump refuses them as not plain objects.
    const unknown = JSON.parse(JSON.stringify(deployment));
    unknown.spec.template.spec.containers[0].resourcez = {};
    const [u] = kubeconform(yaml.dump(unknown));
    expect(u.status).toBe('statusInvalid');
    expect(u.msg).toMatch(/resourcez/);
    const wrongType = JSON.parse(JSON.stringify(deployment));
    wrongType.spec.replicas = 'one';
    expect(kubeconform(yaml.dump(wrongType))[0].status).toBe('statusInvalid');
    expect(kubeconform(yaml.dump({ ...deployment, apiVersion: 'apps/v1beta1' }))[0].status).toBe('statusError');
  });

  it('refuses an HTTPRoute field the Gateway API CRD lacks', () => {
    const route = parseYaml(readRepoFile('infra/k8s/gateway-api/gateway.yaml')).find((o) => o.kind === 'HTTPRoute')!;
    expect(kubeconform(yaml.dump(route))[0].status).toBe('statusValid');
    route.spec.rules[0].matches[0].path.kind = 'Prefix';
    expect(kubeconform(yaml.dump(route))[0].status).toBe('statusInvalid');
  });
});

describe('skaffold profiles', () => {
  it('dev, jetstream and gateway-api give the same result in any order', () => {
    const cfg = loadSkaffold();
    const base = applyProfiles(cfg, ['dev', 'jetstream', 'gateway-api']);
    for (const order of [['jetstream', 'dev', 'gateway-api'], ['gateway-api', 'jetstream', 'dev'], ['gateway-api', 'dev', 'jetstream']]) {
      expect(applyProfiles(cfg, order)).toEqual(base);
    }
  });

  it('deploy the Gateway and HTTPRoute only with -p gateway-api, and the Ingress always (the local gateway reads it)', () => {
    for (const v of VARIANTS) {
      expect({ variant: v.label, kinds: v.objects.filter((o) => /^(Ingress|Gateway|HTTPRoute)$/.test(o.kind)).map((o) => o.kind) }).toEqual({
        variant: v.label,
        kinds: v.profiles.includes('gateway-api') ? ['Ingress', 'Gateway', 'HTTPRoute'] : ['Ingress'],
      });
    }
  });

  it('`skaffold dev` activates dev by itself; `skaffold run` does not', () => {
    const cfg = loadSkaffold();
    expect(activeProfiles(cfg, 'dev', [])).toEqual(['dev']);
    expect(activeProfiles(cfg, 'run', [])).toEqual([]);
    expect(activeProfiles(cfg, 'dev', ['-dev'])).toEqual([]);
  });

  it('deploy the JetStream bus only with -p jetstream', () => {
    for (const v of VARIANTS) {
      const bus = find(v.objects, 'ConfigMap', 'event-bus-config') as any;
      expect({ variant: v.label, EVENT_BUS: bus?.data?.EVENT_BUS }).toEqual({
        variant: v.label,
        EVENT_BUS: v.profiles.includes('jetstream') ? 'jetstream' : 'stan',
      });
    }
  });
});

describe.each(VARIANTS.map((v) => [v.label, v] as [string, Variant]))('%s', (_label, variant) => {
  const objects = variant.objects;
  const all = workloads(objects);
  const dev = variant.command === 'dev';

  describe('schema', () => {
    it(`every object is valid for Kubernetes ${TOOLS.K8S_SCHEMA_VERSION} (kubeconform -strict: no unknown field)`, () => {
      const results = kubeconform(variant.rendered);
      expect(results.map((r) => r.resource).sort()).toEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort());
      expect(results.filter((r) => r.status !== 'statusValid')).toEqual([]);
    });

    it('has unique names per kind', () => {
      const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    });
  });

  describe('references', () => {
    it('every workload selects its own pod template, and nothing else', () => {
      for (const w of all) {
        expect({ workload: w.name, selects: selects(w.selector, w.podLabels) }).toEqual({ workload: w.name, selects: true });
        const others = all.filter((o) => o !== w && selects(w.selector, o.podLabels)).map((o) => o.name);
        expect({ workload: w.name, alsoSelects: others }).toEqual({ workload: w.name, alsoSelects: [] });
      }
    });

    it("every Service's selector matches a workload, and each targetPort a port of its containers", () => {
      for (const svc of byKind(objects, 'Service') as any[]) {
        const selected = all.filter((w) => selects(svc.spec.selector ?? {}, w.podLabels));
        expect({ service: svc.metadata.name, workloads: selected.length > 0 }).toEqual({ service: svc.metadata.name, workloads: true });
        for (const p of svc.spec.ports) {
          const target = p.targetPort ?? p.port;
          for (const w of selected) {
            const ok = w.pod.containers.some((c) => containerPort(c, target) !== undefined);
            expect({ service: svc.metadata.name, port: p.port, targetPort: target, workload: w.name, ok }).toEqual({
              service: svc.metadata.name,
              port: p.port,
              targetPort: target,
              workload: w.name,
              ok: true,
            });
          }
        }
      }
    });

    it("every StatefulSet's serviceName is a headless Service that selects it", () => {
      for (const w of all.filter((x) => x.kind === 'StatefulSet')) {
        const svc = find(objects, 'Service', (w.obj.spec as any).serviceName) as any;
        expect({ sts: w.name, headless: svc?.spec?.clusterIP, selects: svc ? selects(svc.spec.selector, w.podLabels) : false }).toEqual({
          sts: w.name,
          headless: 'None',
          selects: true,
        });
      }
    });

    it('every ingress backend names an existing Service and one of its ports', () => {
      for (const ing of byKind(objects, 'Ingress') as any[]) {
        for (const rule of ing.spec.rules) {
          for (const p of rule.http.paths) {
            const svc = find(objects, 'Service', p.backend.service.name) as any;
            const port = p.backend.service.port;
            const ok = !!svc && svc.spec.ports.some((sp: any) => (port.number !== undefined ? sp.port === port.number : sp.name === port.name));
            expect({ path: p.path, backend: p.backend.service.name, ok }).toEqual({ path: p.path, backend: p.backend.service.name, ok: true });
          }
        }
      }
    });

    it('every secretKeyRef names a secret and key documented in infra/README.md', () => {
      const documented = documentedSecrets();
      expect(documented.map((s) => s.name).sort()).toEqual(['jwt-secret', 'stripe-secret']);
      for (const w of all) {
        for (const c of containersOf(w)) {
          for (const e of (c.env ?? []).filter((x: any) => x.valueFrom?.secretKeyRef)) {
            const ref = e.valueFrom.secretKeyRef;
            const ok = documented.some((s) => s.name === ref.name && ref.key in s.keys);
            expect({ container: c.name, env: e.name, secret: ref.name, key: ref.key, documented: ok }).toEqual({
              container: c.name,
              env: e.name,
              secret: ref.name,
              key: ref.key,
              documented: true,
            });
          }
        }
      }
    });

    it('jwt-secret and stripe-secret are referenced by JWT_KEY and STRIPE_KEY', () => {
      const refs = all.flatMap((w) => containersOf(w).flatMap((c) => (c.env ?? []).filter((e: any) => e.valueFrom?.secretKeyRef)));
      expect(refs.filter((e: any) => e.name === 'JWT_KEY').every((e: any) => e.valueFrom.secretKeyRef.name === 'jwt-secret')).toBe(true);
      expect(refs.filter((e: any) => e.name === 'STRIPE_KEY').map((e: any) => e.valueFrom.secretKeyRef)).toEqual([
        { name: 'stripe-secret', key: 'STRIPE_KEY' },
      ]);
    });

    it('every configMapKeyRef names an existing ConfigMap key', () => {
      for (const w of all) {
        for (const c of containersOf(w)) {
          for (const e of (c.env ?? []).filter((x: any) => x.valueFrom?.configMapKeyRef)) {
            const ref = e.valueFrom.configMapKeyRef;
            const cm = find(objects, 'ConfigMap', ref.name) as any;
            expect({ env: e.name, found: ref.optional || cm?.data?.[ref.key] !== undefined }).toEqual({ env: e.name, found: true });
          }
        }
      }
    });

    it('every volumeMount names a volume or claim template of its pod', () => {
      for (const w of all) {
        const volumes = [...(w.pod.volumes ?? []).map((v: any) => v.name), ...w.claimTemplates];
        for (const c of containersOf(w)) {
          for (const m of c.volumeMounts ?? []) {
            expect({ workload: w.name, mount: m.name, known: volumes.includes(m.name) }).toEqual({ workload: w.name, mount: m.name, known: true });
          }
        }
      }
    });

    it('the images skaffold builds are exactly our images the manifests use', () => {
      const built = variant.skaffold.build.artifacts.map((a) => a.image).sort();
      const used = [...new Set(all.flatMap((w) => containersOf(w).map((c) => c.image)).filter(isOwnImage))].sort();
      expect(used).toEqual(built);
      expect(built).toEqual(IMAGES.map(imageOf).sort());
    });

    it('third-party images are pinned to a version', () => {
      for (const w of all) {
        for (const c of containersOf(w).filter((x) => !isOwnImage(x.image))) {
          // Some projects tag with a leading v (axllent/mailpit:v1.33.1): still one exact version.
          expect(c.image).toMatch(/^[a-z0-9./-]+:v?\d+(\.\d+){2}(-[a-z0-9.]+)?$/);
        }
      }
    });

    it.each(SERVICES.map((s) => [s]))('%s-depl sets every env var its config schema requires, and the schema accepts the result', (svc) => {
      const w = all.find((x) => x.name === `${svc}-depl`)!;
      const c = w.pod.containers.find((x) => x.image === imageOf(svc))!;
      const { env, problems } = resolveEnv(c, objects, `${svc}-depl-5d8f7c9b4-x7k2p`);
      expect(problems).toEqual([]);
      const { configSchema } = require(repoPath(svc, 'src/config.ts'));
      const keys = zodKeys(configSchema);
      expect(keys.length).toBeGreaterThan(0);
      // the service would start with this env: its schema accepts it
      const parsed = configSchema.safeParse(env);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      // and every variable the schema requires (those it names when the env is empty) is set explicitly
      const empty = configSchema.safeParse({});
      const required = [...new Set<string>(empty.success ? [] : empty.error.issues.map((i: any) => String(i.path[0])))];
      expect(required.length).toBeGreaterThan(0);
      expect(required.filter((k) => !(k in env))).toEqual([]);
      // and nothing it sets is unknown to the service (a typo would pass unnoticed)
      const read = new Set([...keys, ...envReadBySources(`${svc}/src`, 'common/src')]);
      expect(Object.keys(env).filter((k) => !read.has(k))).toEqual([]);
    });

    it('client-depl sets every env var the client reads', () => {
      const w = all.find((x) => x.name === 'client-depl')!;
      const c = w.pod.containers[0];
      const { env, problems } = resolveEnv(c, objects, 'client-depl-5d8f7c9b4-x7k2p');
      expect(problems).toEqual([]);
      const set = new Set((c.env ?? []).map((e: any) => e.name));
      const read = [...envReadBySources('client')].filter((n) => n !== 'NODE_ENV');
      expect(read.filter((n) => !set.has(n))).toEqual([]);
      // Next's standalone server listens on PORT and HOSTNAME
      expect(env.PORT).toBe(String(c.ports[0].containerPort));
      expect(env.HOSTNAME).toBe('0.0.0.0');
      expect(env.API_HOST_HEADER).toBe('ticketing.dev');
    });

    it('the probe paths are ones the services serve', async () => {
      for (const w of ownWorkloads(objects)) {
        const c = w.pod.containers.find((x) => isOwnImage(x.image))!;
        const name = c.image.replace('ticketing/', '');
        const served = await servedPaths(name);
        for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'].filter((p) => c[p])) {
          expect({ container: name, probe, path: c[probe].httpGet?.path, served: served.includes(c[probe].httpGet?.path) }).toEqual({
            container: name,
            probe,
            path: c[probe].httpGet?.path,
            served: true,
          });
        }
      }
      for (const w of all) {
        for (const c of containersOf(w).filter((x) => !isOwnImage(x.image))) {
          for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'].filter((p) => c[p]?.httpGet)) {
            expect(THIRD_PARTY_HTTP_PROBES[repoOf(c.image)] ?? []).toContain(c[probe].httpGet.path);
          }
        }
      }
    });

    it('every probe port is a port of its container', () => {
      for (const w of all) {
        for (const c of containersOf(w)) {
          for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'].filter((p) => c[p])) {
            const port = c[probe].httpGet?.port ?? c[probe].tcpSocket?.port;
            if (port === undefined) continue; // exec probes
            expect({ container: c.name, probe, port, ok: containerPort(c, port) !== undefined }).toEqual({ container: c.name, probe, port, ok: true });
          }
        }
      }
    });
  });

  describe('invariants', () => {
    it('each service and the client: a Deployment and a ClusterIP Service on port 3000', () => {
      for (const name of IMAGES) {
        const d = all.find((w) => w.kind === 'Deployment' && w.pod.containers.some((c) => c.image === imageOf(name)));
        expect({ name, deployment: d?.name }).toEqual({ name, deployment: `${name}-depl` });
        const svc = find(objects, 'Service', `${name}-srv`) as any;
        expect({ name, type: svc?.spec.type ?? 'ClusterIP', headless: svc?.spec.clusterIP === 'None' }).toEqual({
          name,
          type: 'ClusterIP',
          headless: false,
        });
        expect(selects(svc.spec.selector, d!.podLabels)).toBe(true);
        expect(svc.spec.ports.map((p: any) => p.port)).toEqual([3000]);
      }
    });

    it('every store (database, Redis, NATS) is a StatefulSet whose data dir is on a PersistentVolumeClaim', () => {
      // (The observability component's collector and Jaeger keep nothing: in-memory by design.)
      const stores = all.filter((w) => w.pod.containers.some((c) => !isOwnImage(c.image)) && (w.obj.metadata.labels ?? {})['app.kubernetes.io/component'] !== 'observability');
      expect(stores.map((w) => w.name).sort()).toEqual(
        ['auth-mongo', 'tickets-mongo', 'orders-mongo', 'payments-mongo', 'events-mongo', 'notifications-mongo', 'mailpit', 'expiration-redis', 'limits-redis', 'nats'].sort(),
      );
      for (const w of stores) {
        expect({ store: w.name, kind: w.kind }).toEqual({ store: w.name, kind: 'StatefulSet' });
        const spec = w.obj.spec as any;
        expect(spec.replicas ?? 1).toBe(1);
        for (const t of spec.volumeClaimTemplates) {
          expect(t.spec.accessModes).toEqual(['ReadWriteOnce']);
          expect(t.spec.resources.requests.storage).toMatch(/^\d+(Mi|Gi)$/);
        }
        for (const c of w.pod.containers) {
          const rule = DATA_DIRS[repoOf(c.image)];
          expect({ image: c.image, known: !!rule }).toEqual({ image: c.image, known: true });
          const dir = rule(c.args ?? [])!;
          expect(dir).toBeDefined();
          const mount = (c.volumeMounts ?? []).find((m: any) => dir === m.mountPath || dir.startsWith(m.mountPath.replace(/\/?$/, '/')));
          expect({ store: w.name, dir, onClaim: !!mount && w.claimTemplates.includes(mount.name) }).toEqual({ store: w.name, dir, onClaim: true });
        }
      }
      // the store-specific persistence settings
      const args = (name: string) => all.find((w) => w.name === name)!.pod.containers[0].args as string[];
      expect(flagValue(args('expiration-redis'), '--appendonly')).toBe('yes');
      expect(flagValue(args('limits-redis'), '--appendonly')).toBe('yes');
      const bus = args('nats');
      if (variant.profiles.includes('jetstream')) expect(hasFlag(bus, '--jetstream', '-js')).toBe(true);
      else {
        expect(flagValue(bus, '--store', '-st')?.toUpperCase()).toBe('FILE');
        expect(flagValue(bus, '--cluster_id', '-cid')).toBe('ticketing');
      }
    });

    it('no Deployment keeps data: no claims, only emptyDir scratch space', () => {
      for (const w of all.filter((x) => x.kind === 'Deployment')) {
        // A ConfigMap mounted read-only is configuration, not data.
        for (const v of w.pod.volumes ?? []) expect({ workload: w.name, volume: v.name, emptyDir: !!v.emptyDir || !!v.configMap }).toEqual({ workload: w.name, volume: v.name, emptyDir: true });
      }
    });

    it('every container has CPU and memory requests and limits, requests <= limits', () => {
      const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
      const mem = (q: string) => {
        const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q)!;
        return Number(m[1]) * ({ Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 } as any)[m[2] ?? ''] || Number(m[1]);
      };
      for (const w of all) {
        for (const c of containersOf(w)) {
          const r = c.resources ?? {};
          expect({ container: `${w.name}/${c.name}`, requests: Object.keys(r.requests ?? {}).sort(), limits: Object.keys(r.limits ?? {}).sort() }).toEqual({
            container: `${w.name}/${c.name}`,
            requests: ['cpu', 'memory'],
            limits: ['cpu', 'memory'],
          });
          expect(cpu(String(r.requests.cpu))).toBeLessThanOrEqual(cpu(String(r.limits.cpu)));
          expect(mem(String(r.requests.memory))).toBeLessThanOrEqual(mem(String(r.limits.memory)));
        }
      }
    });

    it('every container has a readiness and a liveness probe; ours are GET /readyz and GET /healthz', () => {
      for (const w of all) {
        for (const c of w.pod.containers) {
          expect({ container: `${w.name}/${c.name}`, readiness: !!c.readinessProbe, liveness: !!c.livenessProbe }).toEqual({
            container: `${w.name}/${c.name}`,
            readiness: true,
            liveness: true,
          });
          if (isOwnImage(c.image)) {
            expect(c.readinessProbe.httpGet?.path).toBe('/readyz');
            expect(c.livenessProbe.httpGet?.path).toBe('/healthz');
          }
        }
      }
    });

    it('every pod runs as non-root, without privileges, capabilities or a service account token', () => {
      for (const w of all) {
        const pod = w.pod.securityContext ?? {};
        expect(w.pod.automountServiceAccountToken).toBe(false);
        expect(pod.seccompProfile?.type).toBe('RuntimeDefault');
        for (const c of containersOf(w)) {
          const sc = c.securityContext ?? {};
          const who = `${w.name}/${c.name}`;
          expect({ who, runAsNonRoot: sc.runAsNonRoot ?? pod.runAsNonRoot }).toEqual({ who, runAsNonRoot: true });
          const uid = sc.runAsUser ?? pod.runAsUser;
          expect({ who, uidSetAndNotRoot: typeof uid === 'number' && uid > 0 }).toEqual({ who, uidSetAndNotRoot: true });
          expect({ who, allowPrivilegeEscalation: sc.allowPrivilegeEscalation, privileged: !!sc.privileged, drop: sc.capabilities?.drop, add: sc.capabilities?.add }).toEqual({
            who,
            allowPrivilegeEscalation: false,
            privileged: false,
            drop: ['ALL'],
            add: undefined,
          });
        }
      }
    });

    it(`every root filesystem is read-only${dev ? ', except our containers in dev (file sync writes into them)' : ''}`, () => {
      for (const w of all) {
        for (const c of containersOf(w)) {
          const expected = !(dev && isOwnImage(c.image));
          expect({ container: `${w.name}/${c.name}`, readOnlyRootFilesystem: c.securityContext?.readOnlyRootFilesystem }).toEqual({
            container: `${w.name}/${c.name}`,
            readOnlyRootFilesystem: expected,
          });
        }
      }
    });

    it('our pods get longer to stop than the preStop pause plus the service drain', () => {
      const stop = serviceStopSeconds();
      for (const w of ownWorkloads(objects)) {
        const c = w.pod.containers.find((x) => isOwnImage(x.image))!;
        const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? 0;
        expect(preStop).toBeGreaterThan(0);
        expect({ workload: w.name, grace: w.pod.terminationGracePeriodSeconds, enough: w.pod.terminationGracePeriodSeconds > preStop + stop }).toEqual({
          workload: w.name,
          grace: w.pod.terminationGracePeriodSeconds,
          enough: true,
        });
      }
      for (const w of all) expect(w.pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
    });

    it('the Ingress: class nginx, host ticketing.dev, regex paths of the contract', () => {
      const [ing] = byKind(objects, 'Ingress') as any[];
      expect(ing.apiVersion).toBe('networking.k8s.io/v1');
      expect(ing.spec.ingressClassName).toBe('nginx');
      expect(ing.metadata.annotations['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
      expect(ing.spec.rules.map((r: any) => r.host)).toEqual(['ticketing.dev']);
      const paths = ing.spec.rules[0].http.paths;
      expect(paths.map((p: any) => [p.path, p.backend.service.name])).toEqual(ROUTES);
      expect(paths.every((p: any) => p.pathType === 'ImplementationSpecific' && p.backend.service.port.number === 3000)).toBe(true);
    });

    if (variant.profiles.includes('gateway-api')) {
      it('the HTTPRoute: host ticketing.dev on the Gateway, and every path of the contract goes where the Ingress sends it', () => {
        const route = find(objects, 'HTTPRoute', 'ticketing-routes') as any;
        const gw = find(objects, 'Gateway', route.spec.parentRefs[0].name) as any;
        expect(gw.spec.listeners.find((l: any) => l.name === route.spec.parentRefs[0].sectionName).hostname).toBe('ticketing.dev');
        expect(route.spec.hostnames).toEqual(['ticketing.dev']);
        // Gateway API PathPrefix: whole path elements, the longest prefix wins
        const prefixes = route.spec.rules.flatMap((r: any) => r.matches.map((m: any) => ({ ...m.path, backend: r.backendRefs })));
        const viaRoute = (url: string) => {
          const hits = prefixes.filter((p: any) => p.type === 'PathPrefix' && (p.value === '/' || url === p.value || url.startsWith(`${p.value}/`)));
          const best = hits.sort((a: any, b: any) => b.value.length - a.value.length)[0];
          return best && `${best.backend[0].name}:${best.backend[0].port}`;
        };
        // The Ingress's routes in ingress-nginx's order (longest first), each a
        // case-insensitive regex anchored at the start (use-regex), as the local
        // nginx gateway writes them; every backend port is 3000 (checked above).
        const { loadIngressRoutes } = require(repoPath('scripts/nginx-gateway.js'));
        const ingress: Array<{ path: string; service: string }> = loadIngressRoutes(repoPath('infra/k8s/ingress-srv.yaml'));
        const viaIngress = (url: string) => {
          const r = ingress.find((x) => new RegExp(`^${x.path}`, 'i').test(url));
          return r && `${r.service}:3000`;
        };
        const urls = ['/api/users/signup', '/api/users/currentuser', '/api/users', '/api/tickets', '/api/tickets/5f0c', '/api/tickets/mine',
          '/api/orders', '/api/orders/5f0c', '/api/payments', '/api/events', '/api/events/5f0c/cancel', '/api/passes', '/api/passes/scan', '/api/passes/5f0c/transfer', '/api/notifications', '/api/notifications/watches/5f0c', '/', '/tickets/new', '/orders/5f0c', '/auth/signin', '/_next/static/a.js', '/healthz', '/api/docs', '/api/docs/openapi.yaml'];
        expect(urls.map((u) => [u, viaRoute(u)])).toEqual(urls.map((u) => [u, viaIngress(u)]));
        expect(new Set(urls.map(viaRoute)).size).toBe(7);
      });
    }

    it('each service talks to its own database and the bus from the ConfigMap', () => {
      for (const svc of SERVICES) {
        const c = all.find((w) => w.name === `${svc}-depl`)!.pod.containers[0];
        const { env } = resolveEnv(c, objects, 'pod');
        if (svc === 'expiration') {
          expect([env.REDIS_HOST, env.REDIS_PORT]).toEqual(['expiration-redis-srv', '6379']);
        } else {
          expect(env.MONGO_URI).toBe(`mongodb://${svc}-mongo-srv:27017/${svc}`);
        }
        // the shared limits (sign-in throttling, per-user limits, hold counts)
        if (['auth', 'orders', 'payments'].includes(svc)) expect([env.REDIS_HOST, env.REDIS_PORT]).toEqual(['limits-redis-srv', '6379']);
        expect(env.NATS_URL).toBe('nats://nats-srv:4222');
        expect(env.NATS_CLUSTER_ID).toBe('ticketing');
        expect(c.env.find((e: any) => e.name === 'NATS_CLIENT_ID').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
      }
    });
  });
});
