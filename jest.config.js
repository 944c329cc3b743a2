/** @type {import('jest').Config} */
module.exports = {
  // Each worker keeps one Azurite and one set of sandbox certificates for all its files.
  testEnvironment: '<rootDir>/test/support/workerEnvironment.ts',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/support/functionsCore.setup.ts'],
  // Azurite and child processes need a little longer than jest's 5 s default on a 2-core machine.
  testTimeout: 30000,
};
