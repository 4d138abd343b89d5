import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';

/** The repository root (infra/ is one of its workspaces). */
export const REPO = path.resolve(__dirname, '..', '..', '..');

export const repoPath = (...parts: string[]): string => path.join(REPO, ...parts);

export const readRepoFile = (rel: string): string => fs.readFileSync(repoPath(rel), 'utf8');

/** The workspaces the root package.json declares, in its order. */
export function workspaces(): string[] {
  return JSON.parse(readRepoFile('package.json')).workspaces as string[];
}

/** The TypeScript services: each has src/index.ts, src/config.ts and builds to dist/. */
export const SERVICES = ['auth', 'tickets', 'orders', 'expiration', 'payments', 'events', 'notifications'] as const;
export type Service = (typeof SERVICES)[number];

/**
 * The one Dockerfile of the TypeScript services, the service chosen by its
 * build argument SERVICE; the client has its own, client/Dockerfile.
 */
export const SERVICES_DOCKERFILE = 'services.Dockerfile';

/** Everything that ships as an image: the services and the client. */
export const IMAGES = [...SERVICES, 'client'] as const;
export type ImageName = (typeof IMAGES)[number];

export const imageOf = (name: string): string => `ticketing/${name}`;

/** Every YAML document of a file, skipping empty ones (a trailing `---`). */
export function loadYamlDocs(file: string): unknown[] {
  return yaml.loadAll(fs.readFileSync(file, 'utf8')).filter((d) => d !== null && d !== undefined);
}

/** Files under a folder (recursive), relative to the repository root, sorted. */
export function listFiles(relDir: string, filter: (rel: string) => boolean = () => true): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(repoPath(rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (filter(child)) out.push(child);
    }
  };
  walk(relDir);
  return out.sort();
}

/** A plain object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

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
