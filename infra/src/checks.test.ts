// The checkers themselves: each catches the mistake it is there for, so a
// green manifests suite means something.
import { expandedRun, globToRegex, isIgnored, parseDockerfile, parseDockerignore } from './lib/dockerfile';
import { ignoreFileOf } from './lib/images';
import { zodKeys } from './lib/model';
import { SERVICES_DOCKERFILE } from './lib/repo';
import { z } from '@ticketing/common';

describe('the Dockerfile and ignore-file readers', () => {
  it('join continuations, skip comments, read flags, stages and ARG defaults', () => {
    const df = parseDockerfile(
      ['# syntax=docker/dockerfile:1', 'ARG IMG=node:20.1.2-alpine3.21', 'FROM ${IMG} AS a', '# note', 'RUN --mount=type=cache,target=/x \\', '    npm ci \\', '  # inner comment', '    --omit=dev', 'FROM a AS b', 'COPY --from=a /app ./'].join('\n'),
    );
    expect(df.directives.syntax).toBe('docker/dockerfile:1');
    expect(df.stages.map((s) => [s.name, s.from])).toEqual([
      ['a', 'node:20.1.2-alpine3.21'],
      ['b', 'a'],
    ]);
    expect(df.stages[0].instructions[0]).toMatchObject({ keyword: 'RUN', flags: { mount: 'type=cache,target=/x' }, args: 'npm ci --omit=dev' });
    expect(df.stages[1].instructions[0].flags.from).toBe('a');
  });

  it('substitute build arguments and ENV as BuildKit does: ARGs per stage, ENV inherited, RUN left to the shell', () => {
    const text = [
      'ARG IMG=node:20.1.2-alpine3.21',
      'ARG SERVICE=fallback',
      'FROM ${IMG} AS a',
      'COPY ${SERVICE}/src src', // the global ARG is not in scope here
      'ARG SERVICE',
      'ENV HOME_DIR=/app',
      'COPY ${SERVICE}/src ${HOME_DIR}/${SERVICE}/src',
      'RUN tsc -b $SERVICE',
      'FROM a AS b',
      'WORKDIR ${HOME_DIR}/$SERVICE', // ENV carries over, the ARG does not
      'ARG LOCAL=x-$SERVICE',
      'USER ${NOBODY:-node}',
    ].join('\n');
    const df = parseDockerfile(text, { SERVICE: 'auth' });
    const [a, b] = df.stages;
    expect(a.from).toBe('node:20.1.2-alpine3.21');
    expect(df.globalArgs).toEqual({ IMG: 'node:20.1.2-alpine3.21', SERVICE: 'auth' });
    expect(a.instructions[0].args).toBe('/src src');
    expect(a.instructions[3].args).toBe('auth/src /app/auth/src');
    expect(a.instructions[3].raw).toBe('${SERVICE}/src ${HOME_DIR}/${SERVICE}/src');
    expect(a.instructions[4].args).toBe('tsc -b $SERVICE');
    expect(a.instructions[4].env).toEqual({ SERVICE: 'auth', HOME_DIR: '/app' });
    expect(expandedRun(a.instructions[4])).toBe('tsc -b auth');
    expect(b.instructions[0].args).toBe('/app/');
    expect(b.instructions[2].args).toBe('node');
    expect(df.undefinedVars).toEqual([
      { line: 4, name: 'SERVICE' },
      { line: 10, name: 'SERVICE' },
      { line: 11, name: 'SERVICE' },
    ]);
    expect(df.declaredArgs).toEqual(['IMG', 'SERVICE', 'LOCAL']);
    // without the build argument, the default of the global ARG
    expect(expandedRun(parseDockerfile(text).stages[0].instructions[4])).toBe('tsc -b fallback');
    // an ARG without a default and without a build argument is unset
    const unset = parseDockerfile(['FROM node:20.1.2-alpine3.21 AS a', 'ARG SERVICE', 'COPY $SERVICE/src src', 'RUN tsc -b $SERVICE'].join('\n'));
    expect(unset.stages[0].instructions[1].args).toBe('/src src');
    expect(unset.stages[0].instructions[2].env).toEqual({});
    expect(unset.undefinedVars).toEqual([{ line: 3, name: 'SERVICE' }]);
  });

  it('find the ignore file BuildKit reads: the one named after the Dockerfile', () => {
    expect(ignoreFileOf(SERVICES_DOCKERFILE)).toBe(`${SERVICES_DOCKERFILE}.dockerignore`);
    expect(ignoreFileOf('client/Dockerfile')).toBe('client/Dockerfile.dockerignore');
  });

  it('match .dockerignore patterns as BuildKit does: parents, exceptions, **', () => {
    const ignore = parseDockerignore(['*', '!auth/src', '**/*.test.ts', '**/node_modules'].join('\n'));
    expect(isIgnored(ignore, 'auth/src/index.ts')).toBe(false);
    expect(isIgnored(ignore, 'auth/src/routes/a.test.ts')).toBe(true);
    expect(isIgnored(ignore, 'auth/dist/index.js')).toBe(true);
    expect(isIgnored(ignore, 'node_modules/x.js')).toBe(true);
    expect(isIgnored(ignore, 'auth/src/node_modules/x.js')).toBe(true);
    expect(globToRegex('auth/src/**/*.ts').test('auth/src/index.ts')).toBe(true);
    expect(globToRegex('auth/src/**/*.ts').test('auth/src/a/b/c.ts')).toBe(true);
    expect(globToRegex('*/Dockerfile').test('auth/Dockerfile')).toBe(true);
    expect(globToRegex('*/Dockerfile').test('a/b/Dockerfile')).toBe(false);
  });
});

describe('reading a config schema', () => {
  it('finds the keys through merge, intersection, refine and transform', () => {
    const a = z.object({ A: z.string() });
    const b = z
      .object({ B: z.string().optional() })
      .refine(() => true)
      .transform((x) => x);
    expect(zodKeys(z.intersection(a.merge(z.object({ C: z.string() })), b)).sort()).toEqual(['A', 'B', 'C']);
  });
});
