/** @type {import('jest').Config} */
// The browser journeys (npm run test:browser): Debian's chromium against `npm start`, which brings
// its own DynamoDB Local, so no globalSetup here. Same TypeScript handling as jest.config.js.
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/e2e/browser/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // The build folders of `npm start` are not sources.
  modulePathIgnorePatterns: ['<rootDir>/\\.esbuild'],
  testTimeout: 60_000,
};
