// The observability component (infra/k8s/components/observability), on only
// with `skaffold dev -p observability`: a collector and Jaeger, every
// service sending OTLP to the collector, scrape annotations on the service
// pods, and nothing of it in the default deployments. (The component is also
// one of the variants that manifests.test.ts validates in full.)
import { isOwnImage, variants, workloads } from './lib/model';

const VARIANTS = variants();
const observability = VARIANTS.find((v) => v.profiles.includes('observability'))!;
const SERVICE_WORKLOADS = ['auth-depl', 'tickets-depl', 'orders-depl', 'payments-depl', 'expiration-depl', 'events-depl', 'notifications-depl'];

const envOf = (w: ReturnType<typeof workloads>[number]) =>
  Object.fromEntries((w.pod.containers.find((c) => isOwnImage(c.image))!.env ?? []).map((e: { name: string; value?: string }) => [e.name, e.value]));

describe('skaffold dev -p observability', () => {
  const all = workloads(observability.objects);

  it('adds an OpenTelemetry collector that sends to Jaeger, and Jaeger', () => {
    const names = all.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(['otel-collector-depl', 'jaeger-depl']));
    const config = observability.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'otel-collector-config')!;
    expect(String((config as { data?: Record<string, string> }).data?.['config.yaml'])).toContain('endpoint: jaeger-srv:4317');
    const services = observability.objects.filter((o) => o.kind === 'Service').map((o) => o.metadata.name);
    expect(services).toEqual(expect.arrayContaining(['otel-collector-srv', 'jaeger-srv']));
  });

  it('points every service at the collector and marks its pod for scraping on /metrics', () => {
    const services = all.filter((w) => SERVICE_WORKLOADS.includes(w.name));
    expect(services.map((w) => w.name).sort()).toEqual([...SERVICE_WORKLOADS].sort());
    for (const w of services) {
      expect({ workload: w.name, endpoint: envOf(w).OTEL_EXPORTER_OTLP_ENDPOINT }).toEqual({ workload: w.name, endpoint: 'http://otel-collector-srv:4318' });
      const annotations = (w.obj.spec as any).template.metadata.annotations;
      expect({ workload: w.name, annotations }).toEqual({
        workload: w.name,
        annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(envOf(w).PORT), 'prometheus.io/path': '/metrics' },
      });
    }
    // Not the client, not the stores.
    for (const w of all.filter((x) => !SERVICE_WORKLOADS.includes(x.name))) expect((w.obj.spec as any).template.metadata.annotations?.['prometheus.io/scrape']).toBeUndefined();
  });

  it('keeps the dev deployment underneath (file sync needs its writable root filesystem)', () => {
    const orders = all.find((w) => w.name === 'orders-depl')!;
    expect(orders.pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
  });

  it('is off by default: no other variant has a collector, Jaeger or an OTLP endpoint', () => {
    for (const v of VARIANTS.filter((x) => x !== observability)) {
      const ws = workloads(v.objects);
      expect({ variant: v.label, names: ws.map((w) => w.name).filter((n) => /otel|jaeger/.test(n)) }).toEqual({ variant: v.label, names: [] });
      for (const w of ws.filter((x) => SERVICE_WORKLOADS.includes(x.name))) expect(envOf(w).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    }
  });
});
