/**
 * `npm start` as the e2e suites drive it: on free ports, with its own build folder and no file
 * watcher, resolved on the ready line, stopped with SIGTERM (then SIGKILL of its group).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const READY_MS = 90_000;
const STOP_MS = 15_000;

/** Polls `check` until it returns something other than undefined/false; never waits forever. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms: number,
  explain?: () => string | Promise<string>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const why = explain ? `\n${await explain()}` : '';
      throw new Error(`Timed out after ${ms} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { freePort } from '../../local/dynamodb-local.js';

/** One free-port helper for the whole repository (the local stack uses it too). */
export { freePort };

/** The ports one `npm start` listens on; pass them again to restart it in the same place. */
export type LocalStackPorts = {
  port: number;
  sandboxPort: number;
  dynamoPort: number;
  lambdaPort: number;
  sqsPort: number;
};

export type LocalStackOptions = {
  buildFolder: string;
  /** Default: free ports. */
  ports?: LocalStackPorts;
  /** Arguments after `npm start --`, e.g. ['--fresh']. */
  args?: string[];
  /** PAGOS_LOCAL_DATA_DIR; default: a new empty temporary folder, so suites never share data. */
  dataDir?: string;
};

export type LocalStack = {
  ports: LocalStackPorts;
  dataDir: string;
  api: string;
  sandbox: string;
  dynamoPort: number;
  /** The local SQS server of the notification queues. */
  sqs: string;
  /** The start.ts process itself (its own process group). */
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
};

/** `npm start` (tsx local/start.ts) on free ports, with its own build folder; resolves on the ready line. */
export async function startLocalStack(
  extraEnv: Record<string, string>,
  opts: LocalStackOptions,
): Promise<LocalStack> {
  const ports = opts.ports ?? (await freePorts());
  const { port, sandboxPort, dynamoPort, lambdaPort, sqsPort } = ports;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'pagos-local-data-'));
  const api = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info' };
  delete env.AWS_ENDPOINT_URL_DYNAMODB; // npm start runs its own DynamoDB Local
  delete env.CONEKTA_API_URL;
  delete env.PAYMENTS_TABLE;
  delete env.CONEKTA_WEBHOOK_PUBLIC_KEYS; // other test files in this worker may have set it
  delete env.AWS_ENDPOINT_URL_SQS; // npm start runs its own SQS
  delete env.NOTIFICATION_QUEUE_URL;
  delete env.NOTIFICATION_DLQ_URL;
  // `npm start` is `tsx local/start.ts`; the same script under tsx's loader, without the tsx CLI in
  // between: that wrapper SIGKILLs its child when a relayed SIGTERM is not acknowledged within 30 ms
  // (a busy machine), which would orphan DynamoDB Local and serverless-offline (own process groups).
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', ...(opts.args ?? [])], {
    env: {
      ...env,
      PAGOS_LOCAL_DATA_DIR: dataDir,
      ...extraEnv,
      PORT: String(port),
      LAMBDA_PORT: String(lambdaPort),
      CONEKTA_SANDBOX_PORT: String(sandboxPort),
      DYNAMODB_PORT: String(dynamoPort),
      SQS_PORT: String(sqsPort),
      PAGOS_ESBUILD_WORK_FOLDER: opts.buildFolder,
      PAGOS_ESBUILD_WATCH: '.no-watch/**', // no rebuild mid-request if the tree changes
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a last-resort kill takes all of it
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const stack = {
    ports,
    dataDir,
    api,
    sandbox: `http://localhost:${sandboxPort}`,
    dynamoPort,
    sqs: `http://127.0.0.1:${sqsPort}`,
    child,
    output: () => output,
    stop: async () => {
      await stop(child);
      // A folder it made itself goes with it; one the caller passed is the caller's to keep.
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(
      `the "Pagos API ready at ${api}" line of npm start`,
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
        return output.includes(`Pagos API ready at ${api}`);
      },
      READY_MS,
      () => `npm start said:\n${output}`,
    );
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

async function freePorts(): Promise<LocalStackPorts> {
  const [port, sandboxPort, dynamoPort, lambdaPort, sqsPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  return {
    port: port!,
    sandboxPort: sandboxPort!,
    dynamoPort: dynamoPort!,
    lambdaPort: lambdaPort!,
    sqsPort: sqsPort!,
  };
}

/** SIGTERM lets start.ts stop its children (own groups) in order; SIGKILL the group if it does not. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // 'close', not 'exit': the last lines of its output are in by then.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, STOP_MS);
  await closed;
  clearTimeout(timer);
}
