// Unit tests of the client's plain modules (no browser, no Next server):
// `npm test -w client`. Pages are checked by the browser suite in e2e/.
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': [
      'ts-jest',
      {
        // transpile only: type checking is `next build`'s job
        diagnostics: false,
        tsconfig: { module: 'commonjs', jsx: 'react-jsx', esModuleInterop: true, isolatedModules: true },
      },
    ],
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 10000,
};
