// skaffold.yaml: valid for skaffold's own schema (from the skaffold module,
// checked by kubeconform), one artifact per image from the repository root
// (the services from their one Dockerfile with SERVICE set, the client from
// its own), manifests from infra/k8s, the dev, jetstream and gateway-api
// profiles.
import fs from 'node:fs';
import { IMAGES, imageOf, readRepoFile, repoPath, SERVICES, SERVICES_DOCKERFILE } from './lib/repo';
import { activeProfiles, applyProfiles, loadSkaffold } from './lib/skaffold';
import { kubeconform, TOOLS } from './lib/tools';
import * as yaml from 'js-yaml';

const cfg = loadSkaffold();

describe('skaffold.yaml', () => {
  it("is valid for skaffold's own schema of its apiVersion, profiles included", () => {
    expect(`${cfg.apiVersion}.json`).toBe(TOOLS.SKAFFOLD_SCHEMA_FILE.split('/').slice(-2).join('/'));
    expect(cfg.kind).toBe('Config');
    expect(kubeconform(readRepoFile('skaffold.yaml'))).toEqual([{ resource: 'Config/ticketing', status: 'statusValid', msg: '' }]);
  });

  it("skaffold's schema refuses an unknown key, a wrong type, an unknown profile field", () => {
    const doc = yaml.load(readRepoFile('skaffold.yaml')) as any;
    const broken = [
      (d: any) => (d.build.local.useBuildKit = true),
      (d: any) => (d.build.artifacts[0].docker.dockerfile = 1),
      (d: any) => (d.profiles[0].activation[0].comand = 'dev'),
    ];
    for (const breakIt of broken) {
      // a JSON copy: jest's structuredClone returns objects of another realm, which js-yaml 5's dump refuses
      const copy = JSON.parse(JSON.stringify(doc));
      breakIt(copy);
      expect(kubeconform(yaml.dump(copy))[0].status).toBe('statusInvalid');
    }
  });

  it('has a gateway-api profile that adds only the Gateway API entry point', () => {
    const gw = applyProfiles(cfg, ['gateway-api']);
    expect(gw.manifests.kustomize.paths).toEqual([...cfg.manifests.kustomize.paths, 'infra/k8s/gateway-api']);
    expect(gw.build).toEqual(cfg.build);
    expect(applyProfiles(cfg, activeProfiles(cfg, 'dev', ['gateway-api'])).manifests.kustomize.paths).toEqual(['infra/k8s-dev', 'infra/k8s/bus/stan', 'infra/k8s/gateway-api']);
  });

  it('builds one artifact per image from the repository root: the services from their one Dockerfile, told apart by SERVICE; the client from its own', () => {
    expect(cfg.build.artifacts.map((a) => a.image)).toEqual(IMAGES.map(imageOf));
    for (const a of cfg.build.artifacts) {
      const name = a.image.replace('ticketing/', '');
      const service = (SERVICES as readonly string[]).includes(name);
      expect(a.context ?? '.').toBe('.');
      expect({ name, dockerfile: a.docker?.dockerfile, buildArgs: a.docker?.buildArgs }).toEqual({
        name,
        dockerfile: service ? SERVICES_DOCKERFILE : `${name}/Dockerfile`,
        buildArgs: service ? { SERVICE: name } : undefined,
      });
      expect(fs.existsSync(repoPath(a.docker!.dockerfile!))).toBe(true);
      expect(a.docker?.target).toBeUndefined(); // the last stage: production
    }
    expect(cfg.build.local).toMatchObject({ push: false, useBuildkit: true });
  });

  it('deploys the manifests of infra/k8s with kustomize (application, then the event bus)', () => {
    expect(cfg.manifests.kustomize?.paths).toEqual(['infra/k8s', 'infra/k8s/bus/stan']);
    expect(cfg.manifests.rawYaml).toBeUndefined();
    for (const p of cfg.manifests.kustomize!.paths) expect(fs.existsSync(repoPath(p, 'kustomization.yaml'))).toBe(true);
  });

  it('has a jetstream profile that swaps only the event bus', () => {
    const js = applyProfiles(cfg, ['jetstream']);
    expect(js.manifests.kustomize?.paths).toEqual(['infra/k8s', 'infra/k8s/bus/jetstream']);
    expect(js.build).toEqual(cfg.build);
  });

  it('has a dev profile, on by itself in `skaffold dev`, that builds the dev stages and deploys infra/k8s-dev', () => {
    expect(activeProfiles(cfg, 'dev', [])).toEqual(['dev']);
    const dev = applyProfiles(cfg, ['dev']);
    expect(dev.manifests.kustomize?.paths).toEqual(['infra/k8s-dev', 'infra/k8s/bus/stan']);
    expect(dev.build.artifacts.map((a) => a.image)).toEqual(IMAGES.map(imageOf));
    expect(dev.build.local).toEqual(cfg.build.local);
    for (const a of dev.build.artifacts) {
      const main = cfg.build.artifacts.find((m) => m.image === a.image)!;
      expect({ ...a, docker: { ...a.docker, target: undefined }, sync: undefined }).toEqual({ ...main, docker: { ...main.docker, target: undefined }, sync: undefined });
      expect(a.docker?.target).toBe('dev');
    }
  });
});
