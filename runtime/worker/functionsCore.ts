/**
 * The offline runtime's implementation of `@azure/functions-core`, the module the Node.js worker
 * supplies to function apps. `@azure/functions` and `durable-functions` register into it exactly as
 * they register into the real worker: there is no second registry. It is only ever resolved inside
 * the runtime's process (see moduleHook.ts); the deployed app never ships it.
 */
import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookName,
  LogLevel,
  ProgrammingModel,
} from './coreTypes';

export const version = '3.10.1';

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

/** What the app registered; read by the runtime. Lives in this module so both sides share it. */
export const registry = {
  functions: new Map<string, RegisteredFunction>(),
  programmingModel: undefined as ProgrammingModel | undefined,
  hooks: new Map<HookName, HookCallback[]>(),
  logSink: (level: LogLevel, category: string, message: string): void => {
    if (level === 'error' || level === 'critical' || level === 'warning')
      console.error(`[${category}] ${message}`);
  },
};

export function registerFunction(
  metadata: FunctionMetadata,
  callback: FunctionCallback,
): { dispose(): void } {
  const key = metadata.name.toLowerCase();
  if (registry.functions.has(key)) {
    throw new Error(
      `A function named "${metadata.name}" is already registered (function names are case-insensitive).`,
    );
  }
  registry.functions.set(key, { metadata, callback });
  return { dispose: () => registry.functions.delete(key) };
}

export function setProgrammingModel(model: ProgrammingModel): void {
  registry.programmingModel = model;
}

export function getProgrammingModel(): ProgrammingModel | undefined {
  return registry.programmingModel;
}

export function registerHook(name: HookName, callback: HookCallback): { dispose(): void } {
  const list = registry.hooks.get(name) ?? [];
  list.push(callback);
  registry.hooks.set(name, list);
  return {
    dispose: () => {
      const current = registry.hooks.get(name) ?? [];
      registry.hooks.set(
        name,
        current.filter((c) => c !== callback),
      );
    },
  };
}

export function log(level: LogLevel, category: string, message: string): void {
  registry.logSink(level, category, message);
}

/** Forgets every registration, so one process can load a fresh app (tests). */
export function resetRegistry(): void {
  registry.functions.clear();
  registry.hooks.clear();
  registry.programmingModel = undefined;
}
