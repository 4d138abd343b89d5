export * from './custom-error';
export * from './http-errors';
export * from './request-validation-error';
