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
  // Three workers on two cores: the end-to-end suites wait on child processes, sockets and Chromium
  // much of the time, and a third worker fills those waits (measured: 300 s against 377 s with two).
  maxWorkers: 3,
  testSequencer: '<rootDir>/test/support/sequencer.js',
};
