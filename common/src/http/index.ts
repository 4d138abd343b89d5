export * from './app';
export * from './method-not-allowed';
export * from './routes';
