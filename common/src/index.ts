/// <reference types="cookie-session" preserve="true" />
export * from './bus';
export * from './config';
export * from './errors';
export * from './events';
export * from './http';
export * from './jobs';
export * from './logger';
export * from './marketplace';
export * from './middlewares';
export * from './mongo';
export * from './outbox';
export * from './rate-limit';
export * from './retry';
export * from './service';
export * from './telemetry';
