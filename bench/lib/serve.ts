/** The child side of lib/child.ts: answers the parent's commands, exits when the parent goes away. */

type Handler = (message: Record<string, unknown>) => Promise<unknown>;

export function serveCommands(handlers: Record<string, Handler>): void {
  if (!process.send) throw new Error('run me through the bench (no IPC channel)');
  process.on('message', async (message: { id: number; cmd: string } & Record<string, unknown>) => {
    const handler = handlers[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      process.send!({ id: message.id, ok: true, result: await handler(message) });
    } catch (error) {
      process.send!({ id: message.id, ok: false, error: (error as Error)?.stack ?? String(error) });
    }
  });
  // The parent died or is done: nothing else will ask.
  process.on('disconnect', () => process.exit(0));
}

/** Runs `tasks` with at most `concurrency` in flight; stops taking new ones after `deadline`. */
export async function runPool<T>(
  tasks: readonly T[],
  concurrency: number,
  deadline: number,
  run: (task: T) => Promise<void>,
): Promise<number> {
  let next = 0;
  let started = 0;
  const worker = async () => {
    while (next < tasks.length && performance.now() < deadline) {
      const task = tasks[next++]!;
      started += 1;
      await run(task);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return started;
}
