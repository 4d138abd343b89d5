// The images' Dockerfiles and their ignore files, read statically, each as
// skaffold builds it: the services' one Dockerfile (services.Dockerfile) once
// per service with that service's build arguments, the client's own. Their
// npm and copy steps are replayed for real in production-image.test.ts.
import fs from 'node:fs';
import { copyParts, Dockerfile, envPairs, execForm, expandedRun, isIgnored, lineage, parseDockerfile, parseDockerignore, stage } from './lib/dockerfile';
import { imageBuild } from './lib/images';
import { workloads } from './lib/model';
import { IMAGES, imageOf, readRepoFile, repoPath, SERVICES, SERVICES_DOCKERFILE, workspaces } from './lib/repo';
import { activeProfiles, applyProfiles, loadSkaffold } from './lib/skaffold';
import { kustomize, parseYaml } from './lib/tools';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The Dockerfile of an image, read with the build arguments skaffold passes for it. */
const load = (name: string): Dockerfile => imageBuild(name).dockerfile;
const ignoreOf = (name: string) => parseDockerignore(readRepoFile(imageBuild(name).ignoreFile));
/** The Dockerfile an image must build from: the services share one, the client has its own. */
const expectedDockerfile = (name: string) => ((SERVICES as readonly string[]).includes(name) ? SERVICES_DOCKERFILE : `${name}/Dockerfile`);
const deployment = (name: string) =>
  workloads(parseYaml(kustomize('infra/k8s'))).find((w) => w.pod.containers.some((c) => c.image === imageOf(name)))!;

/** The uid of the official node images' `node` user. */
const NODE_USER_UID = 1000;

describe.each(IMAGES.map((n) => [n, expectedDockerfile(n)]))('the Dockerfile of %s (%s)', (name, dockerfile) => {
  const { dockerfile: df, ignoreFile, buildArgs } = imageBuild(name);
  const runtime = df.stages[df.stages.length - 1];
  const instr = (s: { instructions: any[] }, keyword: string) => s.instructions.filter((i) => i.keyword === keyword);

  it('has an ignore file named after it, beside it (the context is the repository root, which has none)', () => {
    expect(ignoreFile).toBe(`${dockerfile}.dockerignore`);
    expect(fs.existsSync(repoPath(ignoreFile))).toBe(true);
    expect(fs.existsSync(repoPath('.dockerignore'))).toBe(false);
  });

  it('uses every build argument skaffold passes, and every variable it expands is in scope', () => {
    expect(Object.keys(buildArgs).filter((a) => !df.declaredArgs.includes(a))).toEqual([]);
    expect(df.undefinedVars).toEqual([]);
  });

  it('starts every stage from the pinned Node 20 image or an earlier stage', () => {
    expect(df.globalArgs.NODE_IMAGE).toMatch(/^node:20\.\d+\.\d+-alpine\d+\.\d+$/);
    df.stages.forEach((s, i) => {
      const earlier = df.stages.slice(0, i).map((x) => x.name);
      expect({ stage: s.name, from: s.fromRaw, ok: s.fromRaw === '${NODE_IMAGE}' || earlier.includes(s.from) }).toEqual({
        stage: s.name,
        from: s.fromRaw,
        ok: true,
      });
    });
  });

  it('runs every image it can produce (runtime and dev) as the unprivileged node user', () => {
    for (const s of df.stages.filter((x) => instr(x, 'CMD').length > 0)) {
      expect({ stage: s.name, user: instr(s, 'USER').pop()?.args }).toEqual({ stage: s.name, user: 'node' });
    }
  });

  it('uses the same base image as every other Dockerfile', () => {
    expect(IMAGES.map((n) => load(n).globalArgs.NODE_IMAGE)).toEqual(IMAGES.map(() => df.globalArgs.NODE_IMAGE));
  });

  it("copies every workspace's package.json before npm ci (package-lock.json must match them all)", () => {
    const manifests = stage(df, 'manifests');
    const copied = instr(manifests, 'COPY').flatMap((i) => {
      const { sources, dest } = copyParts(i);
      return sources.map((s) => (dest.endsWith('/') && dest !== './' ? `${dest}${s.split('/').pop()}` : s));
    });
    expect(copied.sort()).toEqual(['package.json', 'package-lock.json', ...workspaces().map((w) => `${w}/package.json`)].sort());
  });

  it('ends with a production stage: non-root, NODE_ENV=production, started by node, no npm, no dev tools', () => {
    expect(runtime.name).toBe('runtime');
    expect(runtime.fromRaw).toBe('${NODE_IMAGE}');
    expect(instr(runtime, 'RUN')).toEqual([]);
    const user = instr(runtime, 'USER').pop()?.args;
    expect(user).toBe('node');
    const env = Object.assign({}, ...instr(runtime, 'ENV').map(envPairs));
    expect(env.NODE_ENV).toBe('production');
    const cmd = execForm(instr(runtime, 'CMD').pop()!);
    expect(cmd?.[0]).toBe('node');
    expect(cmd?.[1]).toMatch(/\.js$/);
    expect(cmd!.join(' ')).not.toMatch(/ts-node|npm|npx|next start/);
  });

  it('runs as the uid, and listens on the port, its Deployment expects', () => {
    const w = deployment(name);
    const c = w.pod.containers.find((x) => x.image === imageOf(name))!;
    expect(c.securityContext?.runAsUser ?? w.pod.securityContext?.runAsUser).toBe(NODE_USER_UID);
    const env = Object.assign({}, ...instr(runtime, 'ENV').map(envPairs));
    expect(Number(env.PORT)).toBe(c.ports[0].containerPort);
    expect(instr(runtime, 'EXPOSE').map((i) => Number(i.args))).toEqual([c.ports[0].containerPort]);
  });

  it('has the stages skaffold builds', () => {
    const cfg = loadSkaffold();
    for (const names of [[], ['dev']]) {
      const art = applyProfiles(cfg, names).build.artifacts.find((a) => a.image === imageOf(name))!;
      expect(art.context ?? '.').toBe('.');
      expect(art.docker?.dockerfile).toBe(dockerfile);
      const target = art.docker?.target ?? runtime.name;
      expect(df.stages.map((s) => s.name)).toContain(target);
    }
    expect(activeProfiles(cfg, 'dev', [])).toContain('dev');
  });

  it('copies from the context only what its ignore file lets in, and the ignore file keeps out local state', () => {
    const ignore = ignoreOf(name);
    for (const s of df.stages) {
      for (const i of instr(s, 'COPY').filter((x) => !x.flags.from)) {
        for (const src of copyParts(i).sources) {
          expect(fs.existsSync(repoPath(src))).toBe(true);
          const files = fs.statSync(repoPath(src)).isDirectory() ? filesUnder(src) : [src];
          expect({ src, sent: files.some((f) => !isIgnored(ignore, f)) }).toEqual({ src, sent: true });
        }
      }
    }
    const buildOutput = name === 'client' ? 'client/.next/cache/x' : `${name}/dist/index.js`;
    for (const local of ['node_modules/x/index.js', `${name}/node_modules/x/index.js`, buildOutput, '.local/bin/x', '.git/config', '.env', `${name}/.env`]) {
      expect({ local, ignored: isIgnored(ignore, local) }).toEqual({ local, ignored: true });
    }
  });

  it('keeps dev dependencies out of the production image', () => {
    // everything the runtime copies comes from a stage whose npm ci omits dev
    // dependencies, or from compiled output
    for (const i of instr(runtime, 'COPY')) {
      const from = i.flags.from;
      expect(from).toBeDefined();
      const chain = lineage(df, from);
      const installs = chain.flatMap((s) => instr(s, 'RUN')).map((r) => r.args).filter((a) => /\bnpm (ci|install)\b/.test(a));
      const { sources } = copyParts(i);
      const onlyBuildOutput = sources.every((src) => /\/(dist|\.next\/standalone|\.next\/static|public)$/.test(src));
      expect({ copy: i.args, ok: onlyBuildOutput || (installs.length > 0 && installs.every((a) => /--omit=dev\b/.test(a))) }).toEqual({
        copy: i.args,
        ok: true,
      });
    }
  });
});

/** Files under a folder of the repository, node_modules and build output aside. */
function filesUnder(rel: string): string[] {
  return fs.readdirSync(repoPath(rel), { withFileTypes: true }).flatMap((e) => {
    if (['node_modules', '.next', 'dist'].includes(e.name)) return [];
    return e.isDirectory() ? filesUnder(`${rel}/${e.name}`) : [`${rel}/${e.name}`];
  });
}

describe(`${SERVICES_DOCKERFILE}, the one Dockerfile of the TypeScript services`, () => {
  it('is what skaffold builds every service with, told apart by the build argument SERVICE only', () => {
    for (const profiles of [[], ['dev']]) {
      for (const svc of SERVICES) {
        const { artifact } = imageBuild(svc, profiles);
        expect({ svc, dockerfile: artifact.docker?.dockerfile, buildArgs: artifact.docker?.buildArgs }).toEqual({
          svc,
          dockerfile: SERVICES_DOCKERFILE,
          buildArgs: { SERVICE: svc },
        });
      }
    }
  });

  it('replaces the per-service Dockerfiles and ignore files (one place for the logic)', () => {
    const left = SERVICES.flatMap((svc) => [`${svc}/Dockerfile`, `${svc}/Dockerfile.dockerignore`]).filter((f) => fs.existsSync(repoPath(f)));
    expect(left).toEqual([]);
  });

  it('declares SERVICE without a default, so that a build that forgets it fails at its COPYs', () => {
    const df = parseDockerfile(readRepoFile(SERVICES_DOCKERFILE));
    expect(df.declaredArgs).toContain('SERVICE');
    // read without the argument: SERVICE is unset, and the build stage then
    // asks the context for files that are not in it
    expect(df.undefinedVars.map((v) => v.name)).toContain('SERVICE');
    const ignore = parseDockerignore(readRepoFile(`${SERVICES_DOCKERFILE}.dockerignore`));
    const missing = stage(df, 'build')
      .instructions.filter((i) => i.keyword === 'COPY' && !i.flags.from)
      .flatMap((i) => copyParts(i).sources)
      .filter((src) => !fs.existsSync(repoPath(src)) || isIgnored(ignore, src.replace(/^\/+/, '')));
    expect(missing.length).toBeGreaterThan(0);
  });

  it("sends the services' and common's sources, and nothing of the other workspaces but their package.json", () => {
    const ignore = parseDockerignore(readRepoFile(`${SERVICES_DOCKERFILE}.dockerignore`));
    for (const ws of [...SERVICES, 'common']) {
      for (const f of [`${ws}/src/index.ts`, `${ws}/tsconfig.json`, `${ws}/package.json`]) {
        expect({ f, ignored: isIgnored(ignore, f) }).toEqual({ f, ignored: false });
      }
      expect({ f: `${ws}/src/a.test.ts`, ignored: isIgnored(ignore, `${ws}/src/a.test.ts`) }).toEqual({ f: `${ws}/src/a.test.ts`, ignored: true });
    }
    for (const f of ['client/pages/index.tsx', 'infra/src/lib/repo.ts', 'e2e/src/x.ts', 'scripts/infra.sh', 'skaffold.yaml', SERVICES_DOCKERFILE]) {
      expect({ f, ignored: isIgnored(ignore, f) }).toEqual({ f, ignored: true });
    }
  });
});

describe.each(SERVICES.map((s) => [s]))('the Dockerfile of %s (TypeScript service)', (svc) => {
  const df = load(svc);
  const runtime = stage(df, 'runtime');

  it('compiles with tsc -b, and starts the compiled entry point its package.json starts', () => {
    const build = stage(df, 'build');
    expect(build.instructions.filter((i) => i.keyword === 'RUN').map(expandedRun)).toEqual([`node_modules/.bin/tsc -b ${svc}`]);
    const tsconfig = JSON.parse(readRepoFile(`${svc}/tsconfig.json`));
    expect([tsconfig.compilerOptions.rootDir, tsconfig.compilerOptions.outDir]).toEqual(['src', 'dist']);
    const workdir = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').pop()!.args;
    const cmd = execForm(runtime.instructions.filter((i) => i.keyword === 'CMD').pop()!)!;
    expect(`${workdir}/${cmd[1]}`).toBe(`/app/${svc}/dist/index.js`);
    expect(JSON.parse(readRepoFile(`${svc}/package.json`)).scripts.start).toBe('node dist/index.js');
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => [i.flags.from, ...copyParts(i).sources]);
    expect(copies).toEqual(expect.arrayContaining([['build', `/app/${svc}/dist`], ['build', '/app/common/dist']]));
  });

  it('installs production dependencies with npm ci --omit=dev for this workspace', () => {
    const runs = stage(df, 'prod-deps').instructions.filter((i) => i.keyword === 'RUN').map(expandedRun);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(new RegExp(`^npm ci --omit=dev --workspace ${svc}\\b`));
  });

  it('compiles, and installs the dependencies of, its own workspace and common only', () => {
    const deps = stage(df, 'deps').instructions.filter((i) => i.keyword === 'RUN').map(expandedRun);
    expect(deps).toHaveLength(1);
    expect(deps[0]).toMatch(new RegExp(`^npm ci --workspace common --workspace ${svc} --include-workspace-root\\b`));
    const copied = ['build', 'runtime'].flatMap((n) =>
      stage(df, n).instructions.filter((i) => i.keyword === 'COPY').flatMap((i) => copyParts(i).sources),
    );
    const services = copied.map((src) => src.replace(/^\/app\//, '').split('/')[0]).filter((w) => (SERVICES as readonly string[]).includes(w));
    expect([...new Set(services)]).toEqual([svc]);
  });

  it("syncs a service's src/**/*.ts into the dev stage's sources", () => {
    const art = applyProfiles(loadSkaffold(), ['dev']).build.artifacts.find((a) => a.image === imageOf(svc))!;
    expect(art.sync?.manual).toEqual([{ src: `${svc}/src/**/*.ts`, dest: '/app' }]);
    const dev = stage(df, 'dev');
    expect(dev.instructions.filter((i) => i.keyword === 'WORKDIR').pop()!.args).toBe(`/app/${svc}`);
    expect(execForm(dev.instructions.filter((i) => i.keyword === 'CMD').pop()!)).toContain('src/index.ts');
  });
});

describe('the Dockerfile of client (Next.js)', () => {
  const df = load('client');

  it("builds Next's standalone output: the build stage's env makes next.config.js say so", () => {
    const build = stage(df, 'build');
    const env = Object.assign({}, ...build.instructions.filter((i) => i.keyword === 'ENV').map(envPairs));
    const saved = { ...process.env };
    try {
      Object.assign(process.env, env);
      jest.isolateModules(() => {
        expect(require(repoPath('client/next.config.js')).output).toBe('standalone');
      });
    } finally {
      process.env = saved;
    }
    expect(build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toEqual(['npm run build --workspace client']);
  });

  it('starts the standalone server of the client', () => {
    const runtime = stage(df, 'runtime');
    const workdir = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').pop()!.args;
    const cmd = execForm(runtime.instructions.filter((i) => i.keyword === 'CMD').pop()!)!;
    expect(`${workdir}/${cmd[1]}`).toBe('/app/client/server.js');
  });

  it('syncs the pages, components, styles and TypeScript sources in dev', () => {
    const art = applyProfiles(loadSkaffold(), ['dev']).build.artifacts.find((a) => a.image === imageOf('client'))!;
    expect(art.sync?.manual?.length).toBeGreaterThan(0);
    for (const rule of art.sync!.manual!) {
      expect(rule.src.startsWith('client/')).toBe(true);
      expect(rule.dest).toBe('/app');
    }
  });
});
