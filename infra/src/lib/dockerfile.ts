// Reading Dockerfiles and .dockerignore files the way BuildKit does, for
// the instructions and patterns this repository uses.

export interface Instruction {
  keyword: string;
  /** Flags such as --from=build or --mount=type=cache,target=/root/.npm. */
  flags: Record<string, string>;
  /**
   * The arguments after the flags (continuations joined), with variables
   * substituted where BuildKit substitutes them (COPY, WORKDIR, ENV, ...).
   * RUN and CMD keep them as written: the shell expands those, from the
   * environment (`env`).
   */
  args: string;
  /** The arguments as written. */
  raw: string;
  /**
   * For RUN: the environment BuildKit gives the command, as far as this
   * Dockerfile sets it (the stage's ENV, inherited through FROM, and the
   * ARGs in scope that have a value).
   */
  env: Record<string, string>;
  line: number;
}

export interface Stage {
  name: string;
  /** The image or earlier stage it starts from, ARG defaults substituted. */
  from: string;
  /** The FROM argument as written, e.g. ${NODE_IMAGE}. */
  fromRaw: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  directives: Record<string, string>;
  /** ARGs declared before the first FROM, with their values (build argument, else default). */
  globalArgs: Record<string, string>;
  /** Every ARG name the Dockerfile declares, before the first FROM or in a stage. */
  declaredArgs: string[];
  /** The build arguments it was read with. */
  buildArgs: Record<string, string>;
  /**
   * Variables an instruction BuildKit expands refers to without having them
   * in scope (BuildKit substitutes an empty string, silently): an ARG used in
   * a stage that does not declare it, a build argument nobody passed, a typo.
   */
  undefinedVars: Array<{ line: number; name: string }>;
  stages: Stage[];
}

/** Instructions whose arguments BuildKit expands variables in (RUN, CMD, ENTRYPOINT: the shell does). */
const EXPANDED = new Set(['ADD', 'COPY', 'ENV', 'EXPOSE', 'FROM', 'LABEL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR', 'ARG']);

/** Variables the base image's config sets, which a Dockerfile may use without declaring them. */
const BASE_IMAGE_ENV = ['PATH', 'HOME', 'NODE_VERSION', 'YARN_VERSION'];

/**
 * `$NAME`, `${NAME}`, `${NAME:-word}` and `${NAME:+word}` replaced from
 * `vars`; a name not in `vars` becomes the empty string and is reported
 * through `missing`. `\$` stays a literal `$`.
 */
export function expandVars(text: string, vars: Record<string, string>, missing: (name: string) => void = () => {}): string {
  return text.replace(/\\\$|\$\{(\w+)(?::([-+])([^}]*))?\}|\$(\w+)/g, (m, braced?: string, op?: string, word?: string, bare?: string) => {
    if (m === '\\$') return '$';
    const name = (braced ?? bare)!;
    const set = Object.prototype.hasOwnProperty.call(vars, name);
    const value = set ? vars[name] : '';
    if (op === '-') return value !== '' ? value : word!;
    if (op === '+') return value !== '' ? word! : '';
    if (!set && !BASE_IMAGE_ENV.includes(name)) missing(name);
    return value;
  });
}

/**
 * A Dockerfile as BuildKit reads it for these build arguments: directives,
 * stages, instructions with their variables substituted. As in BuildKit, an
 * ARG before the first FROM is visible to FROM lines only, unless a stage
 * declares it again (`ARG NAME`, taking the global value); a stage's ARGs
 * end with the stage (a stage built FROM it does not see them), its ENV
 * carries over to stages built FROM it; a build argument overrides an ARG's
 * default; an ARG without a default and without a build argument is unset.
 */
export function parseDockerfile(text: string, buildArgs: Record<string, string> = {}): Dockerfile {
  const directives: Record<string, string> = {};
  const logical: Array<{ text: string; line: number }> = [];
  const lines = text.split('\n');
  let inDirectives = true;
  let current: { text: string; line: number } | null = null;
  lines.forEach((raw, i) => {
    const trimmed = raw.trim();
    if (inDirectives) {
      const d = /^#\s*([a-zA-Z]+)\s*=\s*(.+)$/.exec(trimmed);
      if (d) {
        directives[d[1].toLowerCase()] = d[2].trim();
        return;
      }
      inDirectives = false;
    }
    if (trimmed.startsWith('#')) return; // comments, also inside a continuation
    if (!current && trimmed === '') return;
    const continued = /\\\s*$/.test(raw);
    const piece = continued ? raw.replace(/\\\s*$/, '') : raw;
    if (current) current.text += ' ' + piece.trim();
    else current = { text: piece.trim(), line: i + 1 };
    if (!continued) {
      logical.push(current);
      current = null;
    }
  });
  if (current) logical.push(current);

  const globalArgs: Record<string, string> = {};
  const declaredArgs: string[] = [];
  const undefinedVars: Array<{ line: number; name: string }> = [];
  const stages: Stage[] = [];
  /** Per stage: the ENV it ends with (inherited by stages FROM it). */
  const stageEnv = new Map<string, Record<string, string>>();
  let args: Record<string, string> = {}; // ARGs in scope in the current stage
  let env: Record<string, string> = {}; // ENV in force in the current stage
  /**
   * An ARG into `scope`: the build argument, else its default (expanded in
   * `visible`, what is in scope there), else for a stage's `ARG NAME` the
   * global ARG's value (`outer`), else unset.
   */
  const declare = (spec: string, line: number, scope: Record<string, string>, visible: Record<string, string>, outer: Record<string, string>) => {
    const a = /^(\w+)(?:=(.*))?$/.exec(spec);
    if (!a) throw new Error(`line ${line}: cannot read ARG ${spec}`);
    const [, name, def] = a;
    if (!declaredArgs.includes(name)) declaredArgs.push(name);
    if (name in buildArgs) scope[name] = buildArgs[name];
    else if (def !== undefined) scope[name] = expandVars(unquote(def), visible, (n) => undefinedVars.push({ line, name: n }));
    else if (name in outer) scope[name] = outer[name];
    else delete scope[name]; // declared, but unset
  };

  for (const { text: t, line } of logical) {
    const m = /^(\S+)\s*(.*)$/.exec(t)!;
    const keyword = m[1].toUpperCase();
    let rest = m[2];
    const flags: Record<string, string> = {};
    if (['COPY', 'ADD', 'RUN', 'FROM'].includes(keyword)) {
      let f: RegExpExecArray | null;
      while ((f = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest))) {
        flags[f[1]] = f[2] ?? 'true';
        rest = rest.slice(f[0].length);
      }
    }
    const raw = rest.trim();
    if (keyword === 'FROM') {
      const parts = raw.split(/\s+/);
      const fromRaw = parts[0];
      const name = parts.length >= 3 && parts[1].toUpperCase() === 'AS' ? parts[2] : String(stages.length);
      const from = expandVars(fromRaw, globalArgs, (n) => undefinedVars.push({ line, name: n }));
      stages.push({ name, from, fromRaw, instructions: [] });
      args = {};
      env = { ...(stageEnv.get(from) ?? {}) };
      stageEnv.set(name, env);
      continue;
    }
    if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`line ${line}: ${keyword} before the first FROM`);
      declare(raw, line, globalArgs, globalArgs, {});
      continue;
    }
    const scope = { ...args, ...env }; // an ENV wins over an ARG of the same name
    const missing = (n: string) => undefinedVars.push({ line, name: n });
    const instruction: Instruction = {
      keyword,
      flags,
      args: EXPANDED.has(keyword) && keyword !== 'ARG' ? expandVars(raw, scope, missing) : raw,
      raw,
      env: keyword === 'RUN' ? scope : {},
      line,
    };
    if (keyword === 'ARG') declare(raw, line, args, scope, globalArgs);
    if (keyword === 'ENV') Object.assign(env, envPairs(instruction));
    stages[stages.length - 1].instructions.push(instruction);
  }
  return { directives, globalArgs, declaredArgs, buildArgs, undefinedVars, stages };
}

const unquote = (v: string) => v.replace(/^"(.*)"$/, '$1');

/**
 * A RUN command with its environment's variables expanded the way `sh`
 * would for the plain forms this repository writes (`$NAME`, `${NAME}`):
 * what actually runs, for reading and for checks.
 */
export function expandedRun(i: Instruction): string {
  return expandVars(i.raw, i.env);
}

/** COPY's sources and destination (shell form). */
export function copyParts(i: Instruction): { sources: string[]; dest: string } {
  const parts = i.args.split(/\s+/);
  return { sources: parts.slice(0, -1), dest: parts[parts.length - 1] };
}

/** ENV k=v pairs (the `ENV k=v k2=v2` form). */
export function envPairs(i: Instruction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of i.args.matchAll(/(\w+)=("([^"]*)"|\S+)/g)) out[m[1]] = m[3] ?? m[2];
  return out;
}

/** The exec form of CMD/ENTRYPOINT, or null for the shell form. */
export function execForm(i: Instruction): string[] | null {
  try {
    const v = JSON.parse(i.args);
    return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : null;
  } catch {
    return null;
  }
}

/** The stage with this name, or throws. */
export function stage(df: Dockerfile, name: string): Stage {
  const s = df.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
}

/** The stages a stage builds on, itself first (FROM chain inside this Dockerfile). */
export function lineage(df: Dockerfile, name: string): Stage[] {
  const out: Stage[] = [];
  let s: Stage | undefined = stage(df, name);
  while (s) {
    out.push(s);
    const parent: string = s.from;
    s = df.stages.find((x) => x.name === parent);
  }
  return out;
}

// ---------------------------------------------------------------- ignore --

interface IgnorePattern {
  negate: boolean;
  regex: RegExp;
  source: string;
}

/** A glob (`*`, `**`, `?`, `[...]`) as a regular expression over `/`-separated paths. */
export function globToRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      re += pattern.slice(i, end + 1).replace(/^\[!/, '[^');
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The patterns of a .dockerignore file (comments and blank lines dropped). */
export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      let p = (negate ? l.slice(1) : l).trim();
      p = p.replace(/^\/+/, '').replace(/\/+$/, '').replace(/^\.\//, '');
      return { negate, regex: globToRegex(p), source: l };
    });
}

/**
 * Is this context-relative path left out of the build context? As in
 * BuildKit, a pattern that matches a parent folder matches what is inside
 * it, and the last matching pattern decides.
 */
export function isIgnored(patterns: IgnorePattern[], relPath: string): boolean {
  const parts = relPath.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const p of patterns) {
    if (candidates.some((c) => p.regex.test(c))) ignored = !p.negate;
  }
  return ignored;
}
