export * from './limiter';
export * from './redis';
