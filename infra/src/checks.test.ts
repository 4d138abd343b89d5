// The checkers themselves: each catches the mistake it is there for, so a
// green manifests suite means something.
import { zodKeys } from './lib/model';
import { globToRegex } from './lib/repo';
import { z } from '@ticketing/common';

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

describe('the path glob (skaffold sync rules, GitHub path filters)', () => {
  it('keeps `*` within a folder and lets `**/` cross folders', () => {
    expect(globToRegex('auth/src/**/*.ts').test('auth/src/index.ts')).toBe(true);
    expect(globToRegex('auth/src/**/*.ts').test('auth/src/a/b/c.ts')).toBe(true);
    expect(globToRegex('auth/src/**/*.ts').test('auth/srcx/index.ts')).toBe(false);
    expect(globToRegex('*/Dockerfile').test('auth/Dockerfile')).toBe(true);
    expect(globToRegex('*/Dockerfile').test('a/b/Dockerfile')).toBe(false);
    expect(globToRegex('services.Dockerfile*').test('services.Dockerfile.dockerignore')).toBe(true);
  });
});
