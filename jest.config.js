/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/support/functionsCore.setup.ts'],
  // Azurite and child processes need a little longer than jest's 5 s default on a 2-core machine.
  testTimeout: 30000,
};
