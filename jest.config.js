// One run for unit and integration tests. Each integration test file starts its own in-process
// Azurite (test/support/azurite.ts: in memory, free ports, ~20 ms), so files never share state.
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': swc },
  setupFiles: ['<rootDir>/test/support/quiet-functions.js'],
  testTimeout: 30000,
};
