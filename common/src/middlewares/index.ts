export * from './current-user';
export * from './error-handler';
export * from './request-logging';
export * from './validate-request';
export * from './require-json';
export * from './session-keys';
export * from './paging';
