// A Dockerfile replayed without Docker: every stage is a folder standing for
// the container's filesystem, COPY copies (honouring the ignore file, keeping
// symlinks), WORKDIR and ENV are tracked, and RUN executes the stage's npm
// command on this machine. Stages listed in `fromRepo` are not replayed: the
// repository itself stands for them (their COPYs from the context keep every
// path, so the repository is a superset of that stage's /app), and their
// RUN commands are executed in the repository instead (e.g. `tsc -b auth`,
// which `npm run build` does anyway). The Dockerfile comes parsed with the
// build arguments of the image (parseDockerfile), so COPY and WORKDIR are
// already expanded, and each RUN gets the ARGs in scope as its environment.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { copyParts, Dockerfile, envPairs, execForm, expandedRun, Instruction, isIgnored, parseDockerignore, Stage } from './dockerfile';
import { REPO } from './repo';

export interface BuiltImage {
  /** The folder standing for the final stage's filesystem root. */
  root: string;
  /** Host folder of the final WORKDIR. */
  cwd: string;
  /** The final stage's exec-form CMD. */
  cmd: string[];
  /** ENV of the final stage. */
  env: Record<string, string>;
  /** Every command replayed, with where it ran, for the report. */
  log: string[];
}

export interface BuildOptions {
  dockerfile: Dockerfile;
  /** Context-relative path of the ignore file. */
  ignoreFile: string;
  /** Scratch folder for the stages. */
  scratch: string;
  /** Stages the repository stands for. */
  fromRepo: string[];
  /** RUN commands allowed to execute (a safety net: these are run on this machine). */
  allowRun: RegExp;
}

const host = (root: string, containerPath: string) => path.join(root, containerPath);

function copyInto(src: string, dest: string, filter?: (src: string) => boolean): void {
  const stat = fs.lstatSync(src);
  if (stat.isDirectory()) {
    fs.cpSync(src, dest, { recursive: true, verbatimSymlinks: true, filter: filter ? (s) => filter(s) : undefined });
  } else {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.cpSync(src, dest, { verbatimSymlinks: true });
  }
}

export function buildImage(opts: BuildOptions): BuiltImage {
  const { dockerfile: df, scratch } = opts;
  const ignore = parseDockerignore(fs.readFileSync(path.join(REPO, opts.ignoreFile), 'utf8'));
  const roots = new Map<string, string>();
  const log: string[] = [];
  const stageEnv = new Map<string, Record<string, string>>();
  let last: BuiltImage | undefined;

  const needed = new Set<string>();
  const need = (s: Stage) => {
    if (needed.has(s.name)) return;
    needed.add(s.name);
    if (opts.fromRepo.includes(s.name)) return; // the repository stands for it and what it builds on
    const parent = df.stages.find((x) => x.name === s.from);
    if (parent) need(parent);
    for (const i of s.instructions) {
      if (i.flags.from) need(df.stages.find((x) => x.name === i.flags.from)!);
    }
  };
  const final = df.stages[df.stages.length - 1];
  need(final);

  const order = df.stages.filter((x) => needed.has(x.name));
  /** Does a stage after `index` start from or copy out of `name`? */
  const usedLater = (name: string, index: number) =>
    order.slice(index + 1).some((x) => x.from === name || x.instructions.some((i) => i.flags.from === name));

  for (const [index, s] of order.entries()) {
    if (opts.fromRepo.includes(s.name)) {
      const workdir = workdirOf(df, s);
      if (workdir !== '/app') throw new Error(`stage ${s.name} works in ${workdir}; the repository can only stand for /app`);
      roots.set(s.name, REPO);
      for (const i of s.instructions) {
        if (i.keyword === 'COPY' && !i.flags.from) {
          const { sources, dest } = copyParts(i);
          for (const src of sources) {
            const mapped = dest.endsWith('/') ? path.posix.join(dest, path.posix.basename(src)) : dest;
            if (mapped !== src) throw new Error(`stage ${s.name}: COPY ${src} ${dest} moves files, so the repository cannot stand for it`);
          }
        } else if (i.keyword === 'RUN') {
          const command = allowed(opts, s, i);
          log.push(`[${s.name}, in the repository] ${command}`);
          execFileSync('sh', ['-c', i.raw], { cwd: REPO, stdio: 'pipe', env: cleanEnv(i.env) });
        }
      }
      continue;
    }
    const root = path.join(scratch, s.name);
    fs.rmSync(root, { recursive: true, force: true });
    const parent = df.stages.find((x) => x.name === s.from);
    if (parent) {
      if (opts.fromRepo.includes(parent.name)) throw new Error(`stage ${s.name} builds on ${parent.name}, which the repository stands for`);
      // a stage nothing else needs is moved rather than copied (node_modules are large)
      if (usedLater(parent.name, index)) fs.cpSync(roots.get(parent.name)!, root, { recursive: true, verbatimSymlinks: true });
      else {
        fs.renameSync(roots.get(parent.name)!, root);
        roots.set(parent.name, root);
      }
    } else fs.mkdirSync(root, { recursive: true });
    roots.set(s.name, root);
    const env: Record<string, string> = { ...(parent ? stageEnv.get(parent.name) : {}) };
    let workdir = parent ? workdirOf(df, parent) : '/';
    let cmd: string[] = [];
    for (const i of s.instructions) {
      switch (i.keyword) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, i.args);
          fs.mkdirSync(host(root, workdir), { recursive: true });
          break;
        case 'ENV':
          Object.assign(env, envPairs(i));
          break;
        case 'COPY': {
          const { sources, dest } = copyParts(i);
          const target = path.posix.resolve(workdir, dest);
          const intoDir = dest.endsWith('/') || sources.length > 1;
          for (const src of sources) {
            let from: string;
            let filter: ((p: string) => boolean) | undefined;
            if (i.flags.from) {
              const fromRoot = roots.get(i.flags.from)!;
              // the repository stands for /app of the stages it replaces
              from = fromRoot === REPO ? path.join(REPO, path.posix.relative('/app', src)) : host(fromRoot, src);
            } else {
              from = path.join(REPO, src);
              filter = (p) => !isIgnored(ignore, path.relative(REPO, p).split(path.sep).join('/')) || p === from;
            }
            if (!fs.existsSync(from)) throw new Error(`stage ${s.name}: COPY source ${src} does not exist (${from})`);
            const isDir = fs.lstatSync(from).isDirectory();
            const to = isDir ? host(root, target) : intoDir ? host(root, path.posix.join(target, path.posix.basename(src))) : host(root, target);
            copyInto(from, to, filter);
          }
          break;
        }
        case 'RUN': {
          const command = allowed(opts, s, i);
          log.push(`[${s.name}, in ${host(root, workdir)}] ${command}`);
          execFileSync('sh', ['-c', i.raw], { cwd: host(root, workdir), stdio: 'pipe', env: cleanEnv({ ...env, ...i.env }) });
          break;
        }
        case 'CMD':
          cmd = execForm(i) ?? [];
          break;
        case 'USER':
        case 'EXPOSE':
        case 'ARG':
          break;
        default:
          throw new Error(`stage ${s.name}: ${i.keyword} is not replayed by the test`);
      }
    }
    stageEnv.set(s.name, env);
    last = { root, cwd: host(root, workdir), cmd, env, log };
  }
  return last!;
}

/**
 * The command a RUN will execute, its variables expanded (what `allowRun`
 * judges), or throws. The shell runs it as written, with the instruction's
 * environment (ENV and the ARGs in scope), as BuildKit does.
 */
function allowed(opts: BuildOptions, s: Stage, i: Instruction): string {
  const command = expandedRun(i);
  if (!opts.allowRun.test(command)) throw new Error(`stage ${s.name}: will not run "${command}"`);
  return command;
}

/** The WORKDIR in force at the end of a stage, through the stages it builds on. */
export function workdirOf(df: Dockerfile, s: Stage): string {
  const parent = df.stages.find((x) => x.name === s.from);
  let workdir = parent ? workdirOf(df, parent) : '/';
  for (const i of s.instructions) if (i.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, i.args);
  return workdir;
}

/**
 * This process's environment for a replayed RUN, without what npm and jest
 * put there: an inherited npm_config_local_prefix, for one, would point a
 * nested npm at the repository instead of the stage.
 */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE_ENV' || k.startsWith('JEST_')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}
