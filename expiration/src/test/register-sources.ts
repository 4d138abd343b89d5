/**
 * For child processes run with ts-node: resolve @ticketing/common (and
 * /testing) to common's sources, as jest's moduleNameMapper does, so they
 * need no build of common.
 */
import Module from 'node:module';
import path from 'node:path';

const COMMON_SRC = path.resolve(__dirname, '../../../common/src');
const aliases: Record<string, string> = {
  '@ticketing/common': path.join(COMMON_SRC, 'index.ts'),
  '@ticketing/common/testing': path.join(COMMON_SRC, 'testing/index.ts'),
};

const resolver = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = resolver._resolveFilename;
resolver._resolveFilename = function resolveFilename(request: string, ...rest: unknown[]) {
  return original.call(this, aliases[request] ?? request, ...rest);
};
