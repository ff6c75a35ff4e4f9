/** Per-host limits of storefront deliveries (lib/notify/deliver.ts). */

/** Notifications are limited per host (host name and port), whatever the path. */
export function targetOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return 'invalid-url';
  }
}

/**
 * Attempts in flight per host across every invocation of a function instance. A message whose
 * host is at its limit waits a little for a slot (a healthy storefront answers in milliseconds,
 * so a burst to one host goes out in one invocation), but never longer than `take`'s bound: a
 * slot held by a connection that will only time out is not worth an invocation's time, and the
 * message is put off instead.
 */
export class HostSlots {
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(private readonly perHost: number) {}

  tryTake(host: string): boolean {
    const n = this.inFlight.get(host) ?? 0;
    if (n >= this.perHost) return false;
    this.inFlight.set(host, n + 1);
    return true;
  }

  /** A slot now, or the first one given back within `maxWaitMs` (first come, first served); else false. */
  async take(host: string, maxWaitMs: number): Promise<boolean> {
    if (this.tryTake(host)) return true;
    if (maxWaitMs <= 0) return false;
    return new Promise<boolean>((resolve) => {
      const queue = this.waiting.get(host) ?? [];
      this.waiting.set(host, queue);
      const handOver = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const i = queue.indexOf(handOver);
        // Stryker disable next-line ConditionalExpression: the timer only fires while its waiter is queued (the hand-over clears it), so i is never -1
        if (i !== -1) queue.splice(i, 1);
        if (queue.length === 0) this.waiting.delete(host);
        resolve(false);
      }, maxWaitMs);
      queue.push(handOver);
    });
  }

  give(host: string): void {
    const queue = this.waiting.get(host);
    const next = queue?.shift();
    if (queue?.length === 0) this.waiting.delete(host);
    if (next) {
      next(); // the slot passes straight to the waiter: in flight stays the same
      return;
    }
    const n = (this.inFlight.get(host) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(host);
    else this.inFlight.set(host, n);
  }
}
