/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  // e2e/http drives `npm start` over HTTP; the browser journeys run separately (npm run test:browser).
  testMatch: ['<rootDir>/tests/{unit,integration,e2e/http}/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  // NodeNext-style relative imports ("./x.js") resolve to the .ts source
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // A mutation run's sandboxes (.stryker-tmp*/) hold a copy of the project: not modules of this one.
  modulePathIgnorePatterns: ['<rootDir>/.stryker-tmp'],
  globalSetup: '<rootDir>/tests/support/global-setup.mjs',
  globalTeardown: '<rootDir>/tests/support/global-teardown.mjs',
  testTimeout: 30_000,
};
