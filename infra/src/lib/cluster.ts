// A real Kubernetes control plane on loopback for the suite: etcd,
// kube-apiserver, kube-controller-manager, kube-scheduler (built from
// k8s.io/kubernetes by infra/controlplane) and kwok, which plays the nodes
// and the kubelets: pods are scheduled, bound to their volumes, marked
// running and ready, but no container runs (the images are proven by
// images.test.ts). Certificates and the service-account key come from openssl.
//
// Ports (loopback only, none of the shared infrastructure's): etcd 12379
// (peer 12380), kube-apiserver 16443, controller-manager 16257, scheduler 16259.
import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bin, run, TOOLS } from './tools';

export const PORTS = { etcd: 12379, etcdPeer: 12380, apiserver: 16443, controllerManager: 16257, scheduler: 16259 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ControlPlane {
  readonly dir: string;
  readonly kubeconfig: string;
  private procs: Array<{ name: string; child: ChildProcess }> = [];

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-k8s-'));
    this.kubeconfig = path.join(this.dir, 'admin.kubeconfig');
  }

  /** kubectl against this control plane (the machine's kubectl; the version skew warning is expected). */
  kubectl(args: string[], input?: string): string {
    return run('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { input });
  }

  private certs(): void {
    const d = this.dir;
    const ssl = (...args: string[]) => run('openssl', args, { cwd: d });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=ticketing-test-ca');
    const leaf = (name: string, subj: string, ext: string) => {
      fs.writeFileSync(path.join(d, `${name}.ext`), ext);
      ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
    };
    leaf('apiserver', '/CN=kube-apiserver', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n');
    leaf('admin', '/CN=admin/O=system:masters', 'extendedKeyUsage=clientAuth\n');
    ssl('genrsa', '-out', 'sa.key', '2048');
    ssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
    const b64 = (f: string) => fs.readFileSync(path.join(d, f)).toString('base64');
    fs.writeFileSync(
      this.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: test, cluster: {server: "https://127.0.0.1:' + PORTS.apiserver + '", certificate-authority-data: ' + b64('ca.crt') + '}}]',
        'users: [{name: admin, user: {client-certificate-data: ' + b64('admin.crt') + ', client-key-data: ' + b64('admin.key') + '}}]',
        'contexts: [{name: test, context: {cluster: test, user: admin}}]',
        'current-context: test',
        '',
      ].join('\n'),
    );
  }

  private start(name: string, args: string[]): void {
    const log = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    const child = spawn(bin(name), args, { cwd: this.dir, stdio: ['ignore', log, log] });
    child.on('exit', (code, signal) => fs.writeSync(log, `\n[exited code=${code} signal=${signal}]\n`));
    this.procs.push({ name, child });
  }

  private async waitFor(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (ok()) return;
      } catch {
        /* not yet */
      }
      const dead = this.procs.find((p) => p.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${this.logTail(dead.name)}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}:\n${this.procs.map((p) => this.logTail(p.name)).join('\n')}`);
      await sleep(250);
    }
  }

  logTail(name: string, lines = 30): string {
    const f = path.join(this.dir, `${name}.log`);
    const text = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n') : '';
    return `--- ${name}.log ---\n${text}`;
  }

  /** Starts everything and waits until the API answers and the fake nodes are Ready. */
  async up(nodes = 2): Promise<void> {
    const d = this.dir;
    this.certs();
    this.start('etcd', [
      '--name', 'test',
      '--data-dir', path.join(d, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${PORTS.etcd}`,
      '--advertise-client-urls', `http://127.0.0.1:${PORTS.etcd}`,
      '--listen-peer-urls', `http://127.0.0.1:${PORTS.etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${PORTS.etcdPeer}`,
      '--initial-cluster', `test=http://127.0.0.1:${PORTS.etcdPeer}`,
      '--unsafe-no-fsync',
    ]);
    this.start('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${PORTS.etcd}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${PORTS.apiserver}`,
      `--cert-dir=${d}`,
      `--tls-cert-file=${d}/apiserver.crt`,
      `--tls-private-key-file=${d}/apiserver.key`,
      `--client-ca-file=${d}/ca.crt`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${d}/sa.pub`,
      `--service-account-signing-key-file=${d}/sa.key`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=Node,RBAC',
    ]);
    await this.waitFor('kube-apiserver /readyz', () => this.kubectl(['get', '--raw', '/readyz']).trim() === 'ok', 120_000);
    const common = [`--kubeconfig=${this.kubeconfig}`, '--bind-address=127.0.0.1', '--leader-elect=false'];
    this.start('kube-controller-manager', [
      ...common,
      `--secure-port=${PORTS.controllerManager}`,
      `--service-account-private-key-file=${d}/sa.key`,
      `--root-ca-file=${d}/ca.crt`,
      '--use-service-account-credentials=false',
      '--controllers=*,-nodeipam',
    ]);
    this.start('kube-scheduler', [...common, `--secure-port=${PORTS.scheduler}`]);
    // kwok: its Stage objects (node initialize + lease heartbeat, pod ready /
    // complete / delete) after its options; the parallelisms must be > 0.
    const kwokConfig = path.join(d, 'kwok.yaml');
    fs.writeFileSync(
      kwokConfig,
      [
        'apiVersion: config.kwok.x-k8s.io/v1alpha1',
        'kind: KwokConfiguration',
        'options:',
        '  nodeLeaseDurationSeconds: 40',
        '  nodeLeaseParallelism: 4',
        '  podPlayStageParallelism: 4',
        '  nodePlayStageParallelism: 4',
        '---',
        fs.readFileSync(TOOLS.KWOK_STAGES, 'utf8'),
      ].join('\n'),
    );
    this.start('kwok', [`--kubeconfig=${this.kubeconfig}`, `--config=${kwokConfig}`, '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake']);
    const nodeYaml = Array.from({ length: nodes }, (_, i) =>
      [
        'apiVersion: v1',
        'kind: Node',
        'metadata:',
        `  name: kwok-node-${i}`,
        '  annotations: {kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}',
        `  labels: {type: kwok, kubernetes.io/hostname: kwok-node-${i}, kubernetes.io/os: linux, kubernetes.io/arch: amd64}`,
        // kwok hands out pod IPs from the node's range (addresses on paper: no traffic goes anywhere)
        `spec: {podCIDR: 10.244.${i}.0/24, podCIDRs: [10.244.${i}.0/24]}`,
        'status:',
        '  allocatable: {cpu: "16", memory: 32Gi, pods: "110"}',
        '  capacity: {cpu: "16", memory: 32Gi, pods: "110"}',
      ].join('\n'),
    ).join('\n---\n');
    this.kubectl(['apply', '-f', '-'], nodeYaml);
    await this.waitFor(
      'the fake nodes Ready',
      () => this.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']).split(' ').filter((s) => s === 'True').length === nodes,
      60_000,
    );
  }

  /** Stops every process (SIGTERM, then SIGKILL) and removes the folder. */
  async down(): Promise<void> {
    for (const { child } of [...this.procs].reverse()) if (child.exitCode === null) child.kill('SIGTERM');
    const until = Date.now() + 10_000;
    while (this.procs.some((p) => p.child.exitCode === null && p.child.signalCode === null) && Date.now() < until) await sleep(100);
    for (const { child } of this.procs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.procs = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
