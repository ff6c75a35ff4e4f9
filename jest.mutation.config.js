/**
 * The suites StrykerJS runs for every mutant (stryker.config.mjs): the unit tests and the port
 * contracts against the in-memory fakes (tests/unit), which need no DynamoDB Local, no sandbox and
 * no network. Same transform as jest.config.js; no globalSetup, so a run starts in a second.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/unit/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // Stryker's sandboxes (.stryker-tmp*/) hold a copy of the project: not modules of this one.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp'],
  testTimeout: 30_000,
};
