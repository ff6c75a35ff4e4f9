// Delivers signed events like Conekta: POST to each URL, any 2xx is success, anything else (or
// no answer within the timeout) is retried on a schedule. Fault knobs can duplicate, hold or
// drop deliveries.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type ClientRequest } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Faults } from './faults.js';

// Conekta: "about 13 retries over about 24 h with backoff" (secondary sources, docs/conekta-api.md §4.4).
export const CONEKTA_LIKE_RETRY_SCHEDULE_MS = [
  60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 7_200_000, 10_800_000, 10_800_000,
  14_400_000, 14_400_000, 18_000_000,
] as const;

export interface OutgoingEvent {
  eventId: string;
  type: string;
  body: Buffer;
  /** Absent when the account has no active webhook key. */
  digest?: string;
  urls: string[];
}

interface Job {
  event: OutgoingEvent;
  url: string;
  /** 1-based; attempt n+1 follows retrySchedule[n-1] after attempt n failed. */
  attempt: number;
  /** Which duplicate (1..webhook_duplicates). */
  copy: number;
}

export const DeliveryOutcome = {
  delivered: 'delivered',
  failed: 'failed',
  suppressed: 'suppressed',
} as const;
export type DeliveryOutcome = (typeof DeliveryOutcome)[keyof typeof DeliveryOutcome];

export interface DeliveryLogEntry {
  event_id: string;
  type: string;
  url: string;
  attempt: number;
  copy: number;
  /** HTTP status of the receiver's answer; null when it did not answer. */
  status: number | null;
  outcome: DeliveryOutcome;
  error?: string;
  /** Whether another attempt is scheduled. */
  will_retry: boolean;
  at: number;
}

export const ReleaseOrder = { shuffled: 'shuffled', reverse: 'reverse', fifo: 'fifo' } as const;
export type ReleaseOrder = (typeof ReleaseOrder)[keyof typeof ReleaseOrder];

export interface DispatcherOptions {
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  faults: () => Faults;
  /** hostname -> IP used for delivery (like /etc/hosts), e.g. {'hooks.pagos.test': '127.0.0.1'}. */
  hostAliases: Record<string, string>;
  log: (message: string) => void;
  /** Told of every logged attempt, so events can show their `webhook_logs`. */
  onRecord?: (entry: DeliveryLogEntry) => void;
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function orderForRelease<T>(items: T[], order: ReleaseOrder): T[] {
  if (order === ReleaseOrder.reverse) return [...items].reverse();
  return order === ReleaseOrder.shuffled ? shuffle(items) : [...items];
}

export class WebhookDispatcher {
  private readonly entries: DeliveryLogEntry[] = [];
  private held: Job[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<ClientRequest>();
  private readonly agent = new http.Agent({ keepAlive: false });
  private readonly tlsAgent = new https.Agent({ keepAlive: false });
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  get log(): readonly DeliveryLogEntry[] {
    return this.entries;
  }

  get heldCount(): number {
    return this.held.length;
  }

  clearLog(): void {
    this.entries.length = 0;
  }

  dispatch(event: OutgoingEvent): void {
    const copies = this.options.faults().webhook_duplicates;
    for (const url of event.urls) {
      for (let copy = 1; copy <= copies; copy++) this.enqueue({ event, url, attempt: 1, copy });
    }
  }

  /** Sends every held delivery, one after the other, in the given order; resolves when done. */
  async release(order: ReleaseOrder): Promise<number> {
    const jobs = orderForRelease(this.held, order);
    this.held = [];
    for (const job of jobs) await this.attempt(job);
    return jobs.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const request of this.inFlight) request.destroy(new Error('sandbox stopped'));
    this.inFlight.clear();
    this.held = [];
    this.agent.destroy();
    this.tlsAgent.destroy();
  }

  private enqueue(job: Job): void {
    if (this.stopped) return;
    const faults = this.options.faults();
    if (!faults.webhooks_enabled) {
      this.record(job, { status: null, outcome: DeliveryOutcome.suppressed, will_retry: false });
      return;
    }
    if (faults.hold_webhooks) this.held.push(job);
    else void this.attempt(job);
  }

  private async attempt(job: Job): Promise<void> {
    if (this.stopped) return;
    const { status, error } = await this.post(job);
    if (this.stopped) return;
    const ok = status !== null && status >= 200 && status < 300;
    const delay = ok ? undefined : this.options.retryScheduleMs[job.attempt - 1];
    this.record(job, {
      status,
      outcome: ok ? DeliveryOutcome.delivered : DeliveryOutcome.failed,
      will_retry: delay !== undefined,
      ...(error ? { error } : {}),
    });
    if (delay === undefined) {
      if (!ok)
        this.options.log(
          `webhook ${job.event.type} ${job.event.eventId} to ${job.url} gave up after ${job.attempt} attempts`,
        );
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue({ ...job, attempt: job.attempt + 1 });
    }, delay);
    this.timers.add(timer);
  }

  private record(
    job: Job,
    result: Pick<DeliveryLogEntry, 'status' | 'outcome' | 'will_retry' | 'error'>,
  ): void {
    const entry: DeliveryLogEntry = {
      event_id: job.event.eventId,
      type: job.event.type,
      url: job.url,
      attempt: job.attempt,
      copy: job.copy,
      ...result,
      at: Date.now(),
    };
    this.entries.push(entry);
    this.options.onRecord?.(entry);
  }

  private readonly lookup: LookupFunction = (hostname, options, callback) => {
    const alias = this.options.hostAliases[hostname];
    if (!alias) return dnsLookup(hostname, options, callback);
    const family = alias.includes(':') ? 6 : 4;
    if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, [{ address: alias, family }]);
    else callback(null, alias, family);
  };

  private post(job: Job): Promise<{ status: number | null; error?: string }> {
    return new Promise((resolve) => {
      let url: URL;
      try {
        url = new URL(job.url);
      } catch {
        resolve({ status: null, error: 'invalid URL' });
        return;
      }
      const tls = url.protocol === 'https:';
      const headers: Record<string, string | number> = {
        'content-type': 'application/json; charset=utf-8',
        'content-length': job.event.body.length,
        'user-agent': 'Conekta-Sandbox-Webhooks/1.0',
        ...(job.event.digest ? { digest: job.event.digest } : {}),
      };
      const request = (tls ? https : http).request(url, {
        method: 'POST',
        headers,
        agent: tls ? this.tlsAgent : this.agent,
        lookup: this.lookup,
      });
      this.inFlight.add(request);
      const timer = setTimeout(
        () => request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)),
        this.options.timeoutMs,
      );
      const finish = (result: { status: number | null; error?: string }) => {
        clearTimeout(timer);
        this.inFlight.delete(request);
        resolve(result);
      };
      request.on('response', (response) => {
        response.resume();
        response.on('end', () => finish({ status: response.statusCode ?? null }));
        response.on('error', (error) => finish({ status: null, error: error.message }));
      });
      request.on('error', (error) => finish({ status: null, error: error.message }));
      request.end(job.event.body);
    });
  }
}
