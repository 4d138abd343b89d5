// Reading Dockerfiles and .dockerignore files the way BuildKit does, for
// the instructions and patterns this repository uses.

export interface Instruction {
  keyword: string;
  /** Flags such as --from=build or --mount=type=cache,target=/root/.npm. */
  flags: Record<string, string>;
  /** The arguments after the flags, as written (continuations joined). */
  args: string;
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
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
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
  const stages: Stage[] = [];
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
    const instruction: Instruction = { keyword, flags, args: rest.trim(), line };
    if (keyword === 'FROM') {
      const parts = instruction.args.split(/\s+/);
      const fromRaw = parts[0];
      const name = parts.length >= 3 && parts[1].toUpperCase() === 'AS' ? parts[2] : String(stages.length);
      const from = fromRaw.replace(/\$\{?(\w+)\}?/g, (_, v: string) => globalArgs[v] ?? '');
      stages.push({ name, from, fromRaw, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`line ${line}: ${keyword} before the first FROM`);
      const a = /^(\w+)(?:=(.*))?$/.exec(instruction.args)!;
      globalArgs[a[1]] = a[2] ?? '';
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { directives, globalArgs, stages };
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
