/**
 * Every test process gets the offline runtime's `@azure/functions-core`, the module the Functions
 * worker supplies to apps: jest's module loader does not go through Node's resolver, where the
 * runtime installs it for real processes.
 */
jest.mock('@azure/functions-core', () => jest.requireActual('../../runtime/worker/functionsCore'), {
  virtual: true,
});
