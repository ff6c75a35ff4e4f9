/**
 * Lambda functions in child processes: each execution environment is a `node --import tsx` process
 * (child.ts) that imports the handler once and serves one invocation at a time, frozen in between.
 * Up to `concurrency` environments per function (reserved concurrency); an invocation finding them
 * all busy is throttled, as Lambda does: it never queues a synchronous invocation. An environment
 * that passes the function timeout, or dies, is killed and replaced by a cold one on the next
 * invocation.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAMBDA_MAX_SYNC_PAYLOAD_BYTES } from './answers.js';
import type { ChildMessage, ContextFields, FunctionError, InvokeMessage } from './protocol.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CHILD = join(REPO_ROOT, 'tests/support/gateway/child.ts');
const KEPT_OUTPUT_CHARS = 256 * 1024;

export type FunctionSettings = {
  /** The handler module: relative to the repository root (`functions/pagos.ts`) or absolute. */
  module: string;
  /** Its export; `handler` when not given. */
  handler?: string;
  /** The function timeout: the environment is killed this long after an invocation starts. */
  timeoutMs: number;
  /** Reserved concurrency: the most execution environments at once. */
  concurrency: number;
  /** The function's own environment variables, over the gateway-wide ones. */
  env?: Record<string, string>;
  memoryMb?: number;
  /** Freeze environments between invocations like Lambda (default true). */
  freeze?: boolean;
};

export type InvocationOutcome =
  | 'answered'
  | 'function_error'
  | 'init_error'
  | 'timed_out'
  | 'crashed'
  | 'throttled'
  | 'response_too_large';

export type Invocation = {
  functionName: string;
  awsRequestId: string;
  gatewayRequestId: string;
  pid: number | undefined;
  coldStart: boolean;
  startedAt: number;
  /** Unset while the invocation runs. */
  endedAt?: number;
  outcome?: InvocationOutcome;
  error?: FunctionError;
};

export type InvokeResult =
  | { outcome: 'answered'; payload: unknown }
  | { outcome: Exclude<InvocationOutcome, 'answered'> };

type Reply = ChildMessage | { type: 'exit' };

/** One child process: a Lambda execution environment. */
class ExecutionEnvironment {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
  busy = false;
  dead = false;
  frozen = false;
  timedOut = false;
  invocations = 0;
  private waiting: ((reply: Reply) => void) | undefined;

  constructor(settings: FunctionSettings, env: NodeJS.ProcessEnv, onOutput: (chunk: string) => void) {
    const freeze = settings.freeze === false ? '0' : '1';
    this.child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, settings.module, settings.handler ?? 'handler', freeze],
      { cwd: REPO_ROOT, env, stdio: ['pipe', 'pipe', 'pipe', 'ipc'] },
    );
    this.child.stdout?.on('data', (chunk: Buffer) => onOutput(chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => onOutput(chunk.toString('utf8')));
    this.child.stdin?.on('error', () => {}); // writes to a dead child
    this.exited = new Promise((done) => this.child.once('exit', () => done()));
    void this.exited.then(() => {
      this.dead = true;
      this.waiting?.({ type: 'exit' });
    });
    this.ready = new Promise((ok, fail) => {
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'ready') ok();
        else if (message.type === 'init_error') fail(message.error);
        else this.waiting?.(message);
      };
      this.child.on('message', onMessage);
      void this.exited.then(() =>
        fail({ errorType: 'Runtime.ExitError', errorMessage: 'exited during init' }),
      );
    });
    this.ready.catch(() => {});
  }

  /** Sends one invocation and waits for its answer, or for the process to end. */
  run(message: InvokeMessage): Promise<Reply> {
    if (this.dead) return Promise.resolve({ type: 'exit' });
    const reply = new Promise<Reply>((done) => {
      this.waiting = done;
    });
    if (this.frozen) this.child.stdin?.write('t'); // thaw
    this.frozen = false;
    this.child.send(message);
    return reply.finally(() => {
      this.waiting = undefined;
    });
  }

  kill(): void {
    if (!this.dead) this.child.kill('SIGKILL');
  }
}

export class LambdaFunction {
  private readonly environments: ExecutionEnvironment[] = [];
  private readonly records: Invocation[] = [];
  private output = '';

  constructor(
    readonly name: string,
    private readonly settings: FunctionSettings,
    private readonly env: NodeJS.ProcessEnv,
    private readonly echo?: (chunk: string) => void,
  ) {}

  async invoke(event: unknown, gatewayRequestId: string): Promise<InvokeResult> {
    const environment = this.idleEnvironment() ?? this.newEnvironment();
    const record: Invocation = {
      functionName: this.name,
      awsRequestId: randomUUID(),
      gatewayRequestId,
      pid: environment?.child.pid,
      coldStart: environment?.invocations === 0,
      startedAt: Date.now(),
    };
    this.records.push(record);
    if (!environment) return this.finish(record, { outcome: 'throttled' });
    environment.busy = true;
    environment.invocations += 1;
    try {
      return this.finish(record, await this.runOn(environment, event, record));
    } finally {
      environment.busy = false;
    }
  }

  invocations(): readonly Invocation[] {
    return this.records;
  }

  logs(): string {
    return this.output;
  }

  /** kill -9 of every execution environment, busy or not; resolves once all have exited. */
  async crash(): Promise<void> {
    const all = [...this.environments];
    for (const environment of all) environment.kill();
    await Promise.all(all.map((e) => e.exited));
  }

  stop(): Promise<void> {
    return this.crash();
  }

  private idleEnvironment(): ExecutionEnvironment | undefined {
    // The most recently used first, like Lambda reusing a warm environment.
    return this.environments.findLast((e) => !e.busy && !e.dead);
  }

  private newEnvironment(): ExecutionEnvironment | undefined {
    const alive = this.environments.filter((e) => !e.dead);
    this.environments.splice(0, this.environments.length, ...alive);
    if (alive.length >= this.settings.concurrency) return undefined;
    const environment = new ExecutionEnvironment(this.settings, this.env, (chunk) => this.keep(chunk));
    this.environments.push(environment);
    return environment;
  }

  private async runOn(
    environment: ExecutionEnvironment,
    event: unknown,
    record: Invocation,
  ): Promise<InvokeResult> {
    try {
      await environment.ready;
    } catch (error) {
      record.error = error as FunctionError;
      environment.kill();
      return { outcome: 'init_error' };
    }
    // The function timeout counts from here: Lambda's init phase has a limit of its own.
    const deadlineMs = Date.now() + this.settings.timeoutMs;
    const timer = setTimeout(() => {
      environment.timedOut = true;
      environment.kill();
    }, this.settings.timeoutMs);
    const reply = await environment.run({
      type: 'invoke',
      id: record.awsRequestId,
      event,
      context: this.contextFields(record.awsRequestId, deadlineMs),
    });
    clearTimeout(timer);
    if (reply.type === 'exit') return { outcome: environment.timedOut ? 'timed_out' : 'crashed' };
    environment.frozen = this.settings.freeze !== false;
    if (reply.type === 'error') {
      record.error = reply.error;
      return { outcome: 'function_error' };
    }
    if (reply.type !== 'result') return { outcome: 'crashed' };
    const size = Buffer.byteLength(JSON.stringify(reply.payload ?? null) ?? 'null');
    if (size > LAMBDA_MAX_SYNC_PAYLOAD_BYTES) return { outcome: 'response_too_large' };
    return { outcome: 'answered', payload: reply.payload };
  }

  private contextFields(awsRequestId: string, deadlineMs: number): ContextFields {
    const region = this.env.AWS_REGION ?? 'us-east-1';
    return {
      awsRequestId,
      functionName: this.name,
      functionVersion: '$LATEST',
      memoryLimitInMB: String(this.settings.memoryMb ?? 256),
      invokedFunctionArn: `arn:aws:lambda:${region}:123456789012:function:${this.name}`,
      logGroupName: `/aws/lambda/${this.name}`,
      logStreamName: `local/[$LATEST]${awsRequestId.replaceAll('-', '')}`,
      deadlineMs,
    };
  }

  private finish(record: Invocation, result: InvokeResult): InvokeResult {
    record.outcome = result.outcome;
    record.endedAt = Date.now();
    return result;
  }

  private keep(chunk: string): void {
    this.echo?.(chunk);
    this.output = (this.output + chunk).slice(-KEPT_OUTPUT_CHARS);
  }
}

/** The environment of a Lambda execution environment: Lambda's own variables, then the given ones. */
export function lambdaEnvironment(
  name: string,
  settings: FunctionSettings,
  given: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const region = given.AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1';
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...(process.env.TMPDIR && { TMPDIR: process.env.TMPDIR }),
    TZ: 'UTC',
    LANG: 'en_US.UTF-8',
    LAMBDA_TASK_ROOT: REPO_ROOT,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memoryMb ?? 256),
    ...given,
    ...settings.env,
  };
}
