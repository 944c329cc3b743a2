import Module from 'node:module';

/**
 * Makes `require('@azure/functions-core')` resolve to the runtime's implementation, inside this
 * process only: the same thing the Node.js worker does for the apps it hosts. Must run before the
 * app (and so @azure/functions) is first required.
 */
export function installFunctionsCoreHook(): void {
  const target = require.resolve('./functionsCore');
  const moduleWithResolver = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
  };
  const original = moduleWithResolver._resolveFilename;
  if ((original as { coreHooked?: boolean }).coreHooked) return;
  const hooked = function (this: unknown, request: string, ...rest: unknown[]): string {
    if (request === '@azure/functions-core') return target;
    return original.call(this, request, ...rest);
  };
  (hooked as { coreHooked?: boolean }).coreHooked = true;
  moduleWithResolver._resolveFilename = hooked;
}
