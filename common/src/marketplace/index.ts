export * from './event-replica';
export * from './fees';
export * from './split';
