/**
 * Measured work runs in child processes (plain `node` on esbuild bundles, like Lambda runs the
 * code), driven over IPC. Every request has a time limit, and every child is killed when the
 * bench ends, however it ends.
 */
import { type ChildProcess, fork } from 'node:child_process';

export type ChildRequest = { cmd: string } & Record<string, unknown>;
type Reply = { id: number; ok: boolean; result?: unknown; error?: string };

export type Child = {
  request<T>(message: ChildRequest, timeoutMs: number): Promise<T>;
  stop(): Promise<void>;
};

const running = new Set<ChildProcess>();

/** Kills every child still running (SIGKILL: the bench is ending, nothing to flush). */
export function killAllChildren(): void {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  running.clear();
}

process.once('exit', killAllChildren);

export function startChild(
  file: string,
  env: Record<string, string>,
  name: string,
  execArgv: string[] = [],
): Child {
  // Explicit execArgv, so the bench's own loader (tsx) stays out of the measured process.
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each child, written when it exits (for hunting costs).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const child = fork(file, [], {
    env,
    execArgv: [...execArgv, ...profile],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  running.add(child);
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr.push(chunk.toString('utf8'));
    if (stderr.length > 50) stderr.shift();
  });
  const pending = new Map<number, { resolve(r: Reply): void; reject(e: Error): void }>();
  child.on('message', (reply: Reply) => pending.get(reply.id)?.resolve(reply));
  child.once('exit', (code, signal) => {
    running.delete(child);
    const why = new Error(`${name} exited (code ${code}, signal ${signal}): ${stderr.join('').slice(-2000)}`);
    for (const p of pending.values()) p.reject(why);
    pending.clear();
  });
  let nextId = 0;

  return {
    async request<T>(message: ChildRequest, timeoutMs: number): Promise<T> {
      const id = ++nextId;
      const reply = await new Promise<Reply>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          child.kill('SIGKILL');
          reject(new Error(`${name}: '${message.cmd}' took over ${timeoutMs} ms; killed`));
        }, timeoutMs);
        const settle =
          <A>(fn: (a: A) => void) =>
          (a: A) => {
            clearTimeout(timer);
            pending.delete(id);
            fn(a);
          };
        pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
        child.send({ ...message, id });
      });
      if (!reply.ok) throw new Error(`${name}: '${message.cmd}' failed: ${reply.error}`);
      return reply.result as T;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
