// .github/workflows: one workflow per service (and common) running that
// workspace's jest suite when it or common changes, and one for this suite.
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { imageBuild } from './lib/images';
import { globToRegex, IMAGES, isObject, listFiles, readRepoFile, repoPath, SERVICES, SERVICES_DOCKERFILE } from './lib/repo';


const DIR = '.github/workflows';
const files = listFiles(DIR, (f) => /\.ya?ml$/.test(f));
const workflows = Object.fromEntries(files.map((f) => [path.basename(f), yaml.load(readRepoFile(f)) as any]));

/** GitHub's path filter: `*` stays within a folder, `**` crosses folders. */
const triggers = (wf: any, event: 'push' | 'pull_request', changed: string): boolean =>
  (wf.on?.[event]?.paths ?? []).some((p: string) => globToRegex(p).test(changed));

/** The workspace a workflow's job tests: directly (`npm test --workspace X`) or through the reusable workflow. */
function testedWorkspaces(wf: any): string[] {
  const out: string[] = [];
  for (const job of Object.values<any>(wf.jobs ?? {})) {
    if (typeof job.uses === 'string' && job.uses.startsWith('./')) {
      const called = workflows[path.basename(job.uses)];
      const run = JSON.stringify(called?.jobs ?? {});
      if (run.includes('npm test --workspace ${{ inputs.workspace }}') && job.with?.workspace) out.push(job.with.workspace);
    }
    for (const step of job.steps ?? []) {
      const m = /npm test (?:--workspace|-w)[ =](\S+)/.exec(step.run ?? '');
      if (m) out.push(m[1]);
    }
  }
  return out;
}

/** Workspaces whose jest suite CI must run: every service and common, and the client once it has a suite. */
const suites = [...SERVICES, 'common', 'client'].filter((w) => w !== 'client' || fs.existsSync(repoPath('client/jest.config.js')));

describe('GitHub workflows', () => {
  it('are valid YAML with a name, triggers and jobs', () => {
    expect(files.length).toBeGreaterThan(0);
    for (const [file, wf] of Object.entries(workflows)) {
      expect({ file, ok: isObject(wf) && typeof wf.name === 'string' && isObject(wf.on) && isObject(wf.jobs) }).toEqual({ file, ok: true });
    }
  });

  it.each(suites.map((w) => [w]))('%s: its jest suite runs on changes to it or to common (when it builds on common)', (ws) => {
    const mine = Object.entries(workflows).filter(([, wf]) => testedWorkspaces(wf).includes(ws));
    expect(mine.map(([f]) => f)).toEqual([`${ws}.yml`]);
    const [, wf] = mine[0];
    const pkg = JSON.parse(readRepoFile(`${ws}/package.json`));
    const usesCommon = ws === 'common' || '@ticketing/common' in { ...pkg.dependencies, ...pkg.devDependencies };
    for (const event of ['push', 'pull_request'] as const) {
      for (const changed of [`${ws}/src/index.ts`, `${ws}/package.json`, 'package-lock.json', ...(usesCommon ? ['common/src/index.ts'] : [])]) {
        expect({ event, changed, runs: triggers(wf, event, changed) }).toEqual({ event, changed, runs: true });
      }
      // and not on another service's change
      const other = SERVICES.find((s) => s !== ws)!;
      expect({ event, changed: `${other}/src/index.ts`, runs: triggers(wf, event, `${other}/src/index.ts`) }).toEqual({
        event,
        changed: `${other}/src/index.ts`,
        runs: false,
      });
    }
  });

  it('infra: this suite runs on changes to the manifests, skaffold, Dockerfiles, service sources and workflows', () => {
    const wf = workflows['infra.yml'];
    expect(testedWorkspaces(wf)).toEqual(['infra']);
    // every Dockerfile skaffold builds from, and the ignore file BuildKit reads for it
    const dockerfiles = [...new Set(IMAGES.flatMap((n) => [imageBuild(n).dockerfilePath, imageBuild(n).ignoreFile]))];
    expect(dockerfiles).toEqual(expect.arrayContaining([SERVICES_DOCKERFILE, `${SERVICES_DOCKERFILE}.dockerignore`, 'client/Dockerfile']));
    for (const changed of [
      'infra/k8s/auth.yaml',
      'infra/k8s/bus/stan/nats-streaming.yaml',
      'skaffold.yaml',
      ...dockerfiles,
      'orders/src/config.ts',
      'common/src/http/app.ts',
      'client/next.config.js',
      '.github/workflows/auth.yml',
    ]) {
      expect({ changed, runs: triggers(wf, 'push', changed) && triggers(wf, 'pull_request', changed) }).toEqual({ changed, runs: true });
    }
  });

  it('the reusable job installs dependencies and the infrastructure before the suite, with read-only permissions', () => {
    const wf = workflows['_jest.yml'];
    expect(Object.keys(wf.on)).toEqual(['workflow_call']);
    const steps: any[] = Object.values<any>(wf.jobs)[0].steps;
    const runs = steps.map((s) => s.run ?? s.uses);
    const at = (re: RegExp) => runs.findIndex((r) => re.test(r ?? ''));
    expect(at(/^npm ci$/)).toBeGreaterThan(-1);
    expect(at(/scripts\/infra\.sh install/)).toBeGreaterThan(at(/^npm ci$/));
    expect(at(/^npm test --workspace/)).toBeGreaterThan(at(/scripts\/infra\.sh install/));
    for (const wfile of Object.values(workflows)) expect(wfile.permissions).toEqual({ contents: 'read' });
  });

  it('run on the runtime of record: setup-node reads .nvmrc, which says 24', () => {
    expect(readRepoFile('.nvmrc').trim()).toBe('24');
    const setups = Object.values(workflows).flatMap((wf: any) =>
      Object.values<any>(wf.jobs).flatMap((j) => (j.steps ?? []).filter((s: any) => /^actions\/setup-node@/.test(s.uses ?? ''))),
    );
    expect(setups.length).toBeGreaterThan(0);
    for (const step of setups) expect(step.with).toEqual(expect.objectContaining({ 'node-version-file': '.nvmrc' }));
  });

  it('pin every action to a major version', () => {
    const uses = Object.values(workflows).flatMap((wf: any) =>
      Object.values<any>(wf.jobs).flatMap((j) => (j.steps ?? []).map((s: any) => s.uses).filter(Boolean)),
    );
    for (const u of uses) expect(u).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
  });
});
