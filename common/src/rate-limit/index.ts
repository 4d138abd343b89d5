export * from './limiter';
export * from './redis';
export * from './address';
