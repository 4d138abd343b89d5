export * from './create-bus';
export * from './event-bus';
export * from './handlers';
export * from './instrumentation';
export * from './jetstream-bus';
export * from './listener';
export * from './publisher';
export * from './stan-bus';
