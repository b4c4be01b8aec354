// One run for unit and integration tests: Azurite is started once by globalSetup and is cheap
// (in-process, in memory), so there is no reason to make developers run two commands.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': swc },
  globalSetup: '<rootDir>/test/integration/global-setup.js',
  globalTeardown: '<rootDir>/test/integration/global-teardown.js',
  setupFiles: ['<rootDir>/test/support/quiet-functions.js'],
  testTimeout: 30000,
};
