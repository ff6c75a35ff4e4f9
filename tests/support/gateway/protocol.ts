/** Messages between the runner (runner.ts) and one execution environment (child.ts). */

/** The parts of Lambda's context that travel; child.ts adds getRemainingTimeInMillis from `deadlineMs`. */
export type ContextFields = {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  memoryLimitInMB: string;
  invokedFunctionArn: string;
  logGroupName: string;
  logStreamName: string;
  /** Epoch ms at which the runner kills the environment (the function timeout). */
  deadlineMs: number;
};

export type InvokeMessage = { type: 'invoke'; id: string; event: unknown; context: ContextFields };

export type FunctionError = { errorType: string; errorMessage: string };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'init_error'; error: FunctionError }
  | { type: 'result'; id: string; payload: unknown }
  | { type: 'error'; id: string; error: FunctionError };
