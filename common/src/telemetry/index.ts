export * from './metrics';
export * from './tracing';
export { stopTelemetry } from './lifecycle';
export * from './http';
