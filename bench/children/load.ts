/** Shared by the webhook and floor children: a batch run at fixed concurrency, timed per call. */

import { runPool } from '../lib/serve.js';
import { percentile } from '../lib/stats.js';

export type LoadResult = {
  concurrency: number;
  done: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** This process's CPU time (user + system) over the run. */
  cpuMs: number;
};

export async function runLoad<T>(
  tasks: readonly T[],
  concurrency: number,
  maxMs: number,
  call: (task: T) => Promise<void>,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const done = await runPool(tasks, concurrency, started + maxMs, async (task) => {
    const t0 = performance.now();
    try {
      await call(task);
    } catch (error) {
      errors += 1;
      firstError ??= String((error as Error).message);
    }
    latencies.push(performance.now() - t0);
  });
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    concurrency,
    done,
    errors,
    ...(firstError && { firstError }),
    elapsedMs,
    perSecond: (done / elapsedMs) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

/** Takes the next `count` prepared items off a queue. */
export function takeFrom<T>(queue: T[], count: number): T[] {
  if (queue.length < count) throw new Error(`only ${queue.length} prepared, ${count} asked`);
  return queue.splice(0, count);
}
