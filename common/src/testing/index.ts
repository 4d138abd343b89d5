export * from './database';
export * from './in-memory-bus';
export * from './session';
export * from './wait';
export * from './interleave';
export * from './redis';
export * from './catalog';
export * from './audit';
