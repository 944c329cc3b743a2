import { randomUUID } from 'node:crypto';
import type {
  RpcTraceContext,
  CoreInvocationContext,
  HookName,
  LogLevel,
  RpcInvocationResponse,
  RpcParameterBinding,
  RpcTypedData,
} from './coreTypes';
import { registry, type RegisteredFunction } from './functionsCore';

export interface InvocationLog {
  (functionName: string, level: LogLevel, category: string, message: string): void;
}

/** The name of `fn`'s binding of this type (`orchestrationTrigger`, `timerTrigger`, ...), if any. */
export function bindingOfType(fn: RegisteredFunction, type: string): string | undefined {
  return Object.entries(fn.metadata.bindings).find(([, b]) => b.type === type)?.[0];
}

export class FunctionNotFoundError extends Error {
  constructor(name: string) {
    super(`No function named "${name}" is registered`);
    this.name = 'FunctionNotFoundError';
  }
}

/**
 * Invokes registered functions the way the Node.js worker does: through the programming model the
 * app set (@azure/functions' own InvocationModel), with RPC-typed inputs, running the app's
 * pre/post-invocation hooks, and returning the RPC response. So HttpRequest, InvocationContext,
 * timer objects and durable triggers are built by the library itself, not by us.
 */
export class Invoker {
  constructor(private readonly logSink: InvocationLog = () => {}) {}

  find(name: string): RegisteredFunction {
    const fn = this.tryFind(name);
    if (!fn) throw new FunctionNotFoundError(name);
    return fn;
  }

  /** The function with this name (names are case-insensitive, as in the host), if registered. */
  tryFind(name: string): RegisteredFunction | undefined {
    return registry.functions.get(name.toLowerCase());
  }

  functions(): RegisteredFunction[] {
    return [...registry.functions.values()];
  }

  async invoke(
    name: string,
    inputData: RpcParameterBinding[],
    triggerMetadata: Record<string, RpcTypedData> = {},
    traceContext?: RpcTraceContext,
  ): Promise<RpcInvocationResponse> {
    const fn = this.find(name);
    const model = registry.programmingModel;
    if (!model) throw new Error('The app did not set a programming model (is @azure/functions loaded?)');
    const invocationId = randomUUID();
    const coreContext: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.metadata.name,
        inputData,
        triggerMetadata,
        ...(traceContext ? { traceContext } : {}),
      },
      metadata: fn.metadata,
      state: 'preInvocationHooks',
      log: (level, category, message) => this.logSink(fn.metadata.name, level, category, message),
    };
    const invocation = model.getInvocationModel(coreContext);
    const { context, inputs } = await invocation.getArguments();
    const hookContext: Record<string, unknown> = {
      invocationContext: context,
      inputs,
      functionCallback: fn.callback,
      hookData: {},
      appHookData: {},
    };
    await this.runHooks('preInvocation', hookContext);
    coreContext.state = 'invocation';
    let result: unknown;
    let error: unknown;
    try {
      result = await invocation.invokeFunction(
        context,
        hookContext.inputs as unknown[],
        hookContext.functionCallback as RegisteredFunction['callback'],
      );
    } catch (e) {
      error = e;
    }
    coreContext.state = 'postInvocationHooks';
    const post = { ...hookContext, result, error };
    await this.runHooks('postInvocation', post);
    if (post.error) throw post.error;
    return invocation.getResponse(context, post.result);
  }

  private async runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const hook of registry.hooks.get(name) ?? []) await hook(context);
  }
}
