// System tests: the whole system started as `npm start` starts it
// (scripts/system.js), driven only through the gateway over HTTP.
// One system per transport, one after the other: a single worker.
// The browser tests (src/browser/) add their own pattern here.
module.exports = {
  ...require('../jest.preset.js'),
  testMatch: ['<rootDir>/src/system/**/*.test.ts', '<rootDir>/src/browser/**/*.test.ts'],
  // Starting a system (infrastructure, build check, six processes) takes
  // seconds to minutes (a first `next build`); each test waits on events.
  testTimeout: 120000,
  maxWorkers: 1,
  // Ctrl-C while a system is up: kill it rather than leave it running.
  globalSetup: '<rootDir>/src/system/global-setup.js',
};
