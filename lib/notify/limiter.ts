/**
 * Bounded concurrency per target host and overall. A task waits for its host's slot before it
 * takes a global one, so a slow or dead storefront holds at most its own slots and never queues
 * in front of another storefront's notifications.
 */

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else this.active -= 1;
  }

  get idle(): boolean {
    return this.active === 0 && this.waiting.length === 0;
  }
}

export class TargetLimiter {
  private readonly overall: Semaphore;
  private readonly targets = new Map<string, Semaphore>();

  constructor(
    concurrency: number,
    private readonly perTarget: number,
  ) {
    this.overall = new Semaphore(concurrency);
  }

  async run<T>(target: string, task: () => Promise<T>): Promise<T> {
    let slot = this.targets.get(target);
    if (!slot) {
      slot = new Semaphore(this.perTarget);
      this.targets.set(target, slot);
    }
    await slot.acquire();
    try {
      await this.overall.acquire();
      try {
        return await task();
      } finally {
        this.overall.release();
      }
    } finally {
      slot.release();
      if (slot.idle) this.targets.delete(target);
    }
  }
}

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
 * host is already at its limit is not waited for: the delivery function puts it off (no attempt),
 * so no invocation, and no poller slot, sits behind a slow host's open connections.
 */
export class HostSlots {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perHost: number) {}

  tryTake(host: string): boolean {
    const n = this.inFlight.get(host) ?? 0;
    if (n >= this.perHost) return false;
    this.inFlight.set(host, n + 1);
    return true;
  }

  give(host: string): void {
    const n = (this.inFlight.get(host) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(host);
    else this.inFlight.set(host, n);
  }
}
