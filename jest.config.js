/** @type {import('jest').Config} */
module.exports = {
  // Each worker keeps one Azurite and one set of sandbox certificates for all its files.
  testEnvironment: '<rootDir>/test/support/workerEnvironment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/support/functionsCore.setup.ts'],
  // The whole app under test, on a 2-core machine that others load too: generous, never a measure.
  testTimeout: 120_000,
  // Two workers for two cores: most suites wait on child processes and sockets part of the time.
  maxWorkers: 2,
};
