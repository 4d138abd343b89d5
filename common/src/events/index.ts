export * from './events';
export * from './subjects';
