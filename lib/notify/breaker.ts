/**
 * A circuit breaker per storefront host, in the delivery function's memory. A host whose attempts
 * keep timing out or failing to connect (the costly failures: each holds a delivery slot for the
 * whole timeout) is left alone for a cooldown: its messages are put off without an attempt, so a
 * storefront that accepts connections and never answers cannot keep the function's time and
 * concurrency from everyone else. After the cooldown one attempt (a probe) goes through: success
 * closes the breaker; failure reopens it for twice as long, up to `maxCooldownMs`.
 *
 * HTTP error answers (4xx/5xx) do not count: such a host answers quickly, and its retries follow
 * the schedule exactly. Per instance on purpose: no shared state to write on every attempt; each
 * warm instance learns a dead host after `threshold` failures and then stops paying for it.
 */

export type BreakerConfig = {
  /** Consecutive timeouts or connection failures that open the breaker. */
  threshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
};

export type Admission = { go: true; probe: boolean } | { go: false; until: number; cooldownMs: number };

type HostState = {
  failures: number;
  openUntil?: number;
  cooldownMs: number;
  probing: boolean;
};

export class HostBreakers {
  private readonly hosts = new Map<string, HostState>();

  constructor(
    private readonly config: BreakerConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** May an attempt to `host` start now? */
  admit(host: string): Admission {
    const state = this.hosts.get(host);
    if (state?.openUntil === undefined) return { go: true, probe: false };
    const now = this.now();
    if (now >= state.openUntil && !state.probing) {
      state.probing = true;
      return { go: true, probe: true };
    }
    // Open, or a probe is already out: come back after the cooldown.
    return { go: false, until: Math.max(state.openUntil, now + 1000), cooldownMs: state.cooldownMs };
  }

  /** The outcome of an admitted attempt. `breaking`: a timeout or a connection failure. */
  record(host: string, outcome: 'ok' | 'breaking'): void {
    const state = this.hosts.get(host);
    if (outcome === 'ok') {
      this.hosts.delete(host);
      return;
    }
    const next = state ?? { failures: 0, cooldownMs: this.config.cooldownMs, probing: false };
    next.failures += 1;
    if (next.probing) {
      next.probing = false;
      next.cooldownMs = Math.min(next.cooldownMs * 2, this.config.maxCooldownMs);
      next.openUntil = this.now() + next.cooldownMs;
    } else if (next.openUntil === undefined && next.failures >= this.config.threshold) {
      next.openUntil = this.now() + next.cooldownMs;
    }
    this.hosts.set(host, next);
  }

  /** An admitted attempt that was not made after all: a probe slot goes back. */
  release(host: string): void {
    const state = this.hosts.get(host);
    if (state) state.probing = false;
  }

  isOpen(host: string): boolean {
    return this.hosts.get(host)?.openUntil !== undefined;
  }
}
