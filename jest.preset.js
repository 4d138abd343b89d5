// One jest preset for every TypeScript workspace. ts-jest transpiles only
// (isolatedModules): type checking is `npm run build` (tsc -b), done once
// before the suites instead of once per test file.
const path = require('path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  moduleNameMapper: {
    // Tests run against common's sources, so a change there needs no rebuild.
    '^@ticketing/common$': path.join(__dirname, 'common/src/index.ts'),
    '^@ticketing/common/testing$': path.join(__dirname, 'common/src/testing/index.ts'),
  },
  testMatch: ['<rootDir>/src/**/*.test.ts'],
  // Every supertest response is checked against docs/openapi.yaml.
  setupFilesAfterEnv: [path.join(__dirname, 'common/src/testing/openapi-setup.ts')],
  testTimeout: 30000,
  // Test files share one FerretDB and one broker; two workers keep the 2-core
  // machine responsive.
  maxWorkers: 2,
};
