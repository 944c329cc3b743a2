/**
 * The tests mutation testing runs (npm run mutation): those that state how the orchestrations, the
 * retry policy, verification and the mail dispatcher behave, and run in seconds (the orchestrations
 * alone on the flow harness, the dispatcher against the sandbox's ACS, the pace's properties).
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  // Stryker's jest plugin loads the environment itself, untransformed: the TypeScript one that shares
  // Azurite per worker cannot be loaded, and each suite starts its own (test/support/azurite.ts).
  testEnvironment: 'node',
  testMatch: [
    '**/test/unit/retryPolicy.test.ts',
    '**/test/workflow/reinstatementFlow.test.ts',
    '**/test/workflow/jobFlows.test.ts',
    '**/test/workflow/verificationThrottling.test.ts',
    '**/test/adapters/email.test.ts',
  ],
};
