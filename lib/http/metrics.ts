/**
 * Business metrics as CloudWatch EMF: a JSON line that CloudWatch turns into metrics, no API
 * call, no extra permission. Namespace `Pagos`, dimension `Stage` on every metric: the alarms in
 * serverless.yml match exactly that. Written here rather than by Powertools Metrics, whose import
 * was a sixth of every cold start (bench/README.md) and which writes one line per dimension set.
 */
import type { Counter } from '../notify/metrics.js';
import { ErrorCode, RateLimitedError } from '../payments/errors.js';
import type { AnswerSummary } from './outcome.js';

export const METRIC_NAMESPACE = 'Pagos';

export const MetricName = {
  paymentsCreated: 'PaymentsCreated',
  createsReplayed: 'CreatesReplayed',
  conflicts: 'Conflicts',
  /** Dimension `status`: Conekta's HTTP status, or `timeout` / `network`. */
  conektaErrors: 'ConektaErrors',
  webhooksAccepted: 'WebhooksAccepted',
  /** Dimension `DigestForm`: which form of Conekta's signature verified (lib/providers/conekta). */
  webhooksVerified: 'WebhooksVerified',
  /** Dimension `reason`: the error code answered. */
  webhooksRejected: 'WebhooksRejected',
  webhooksStale: 'WebhooksStale',
  /**
   * Dimension `limit`: `key`, `new_keys_per_source` (Pagos's own) or `provider` (Conekta's 429);
   * `unknown` would be a 429 that says neither, a bug.
   */
  rateLimited: 'RateLimited',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export type MetricSink = (line: string) => void;

let defaultSink: MetricSink = (line) => process.stdout.write(`${line}\n`);

/** Tests capture the EMF lines of handlers' module-scope instances this way. */
export function setMetricSink(next: MetricSink): MetricSink {
  const previous = defaultSink;
  defaultSink = next;
  return previous;
}

export type PagosMetricsOptions = { stage: string; sink?: MetricSink };

/** CloudWatch's EMF limits: 100 metrics per line, 100 values per metric. */
export const EMF_MAX_METRICS = 100;
export const EMF_MAX_VALUES = 100;

/** The counts of one dimension set, and how many of each (one value of 1 per count). */
type DimensionSet = { dimensions: Record<string, string>; counts: Map<string, number> };

/**
 * The counts of a request (or a batch), written as one EMF line at `publishStoredMetrics`: one
 * directive per dimension set, all of them sharing the line's top-level members. A count that
 * cannot share the line (a dimension already there with another value, a name under another
 * dimension set, a limit reached) first writes what is stored. A count with metadata (ids of a
 * dead notification) is written at once, on its own line.
 */
export class PagosMetrics implements Counter {
  readonly #options: PagosMetricsOptions;
  #sets = new Map<string, DimensionSet>();
  /** The line's top-level members so far: each dimension with its value, each metric name with its set. */
  #members = new Map<string, string>();

  constructor(options: PagosMetricsOptions) {
    this.#options = options;
  }

  count(
    name: string,
    dimensions: Record<string, string> = {},
    metadata: Record<string, string | number> = {},
  ): void {
    if (Object.keys(metadata).length > 0) {
      this.#write(this.#line([{ dimensions, counts: new Map([[name, 1]]) }], metadata));
      return;
    }
    const key = JSON.stringify(dimensions);
    if (!this.#fits(name, key, dimensions)) this.publishStoredMetrics();
    let set = this.#sets.get(key);
    if (!set) {
      set = { dimensions, counts: new Map() };
      this.#sets.set(key, set);
      for (const [dimension, value] of Object.entries(dimensions)) this.#members.set(dimension, value);
    }
    set.counts.set(name, (set.counts.get(name) ?? 0) + 1);
    this.#members.set(name, key);
  }

  /** Writes the stored counts, if any, as one line. */
  publishStoredMetrics(): this {
    if (this.#sets.size > 0) this.#write(this.#line([...this.#sets.values()]));
    this.#sets = new Map();
    this.#members = new Map();
    return this;
  }

  /** Whether a count of `name` under these dimensions can join the stored line. */
  #fits(name: string, key: string, dimensions: Record<string, string>): boolean {
    const set = this.#sets.get(key);
    const values = set?.counts.get(name) ?? 0;
    if (values > 0) return values < EMF_MAX_VALUES;
    if (this.#members.has(name) || this.#members.size >= EMF_MAX_METRICS) return false;
    return Object.entries(dimensions).every(
      ([dimension, value]) => (this.#members.get(dimension) ?? value) === value,
    );
  }

  #line(
    sets: readonly DimensionSet[],
    metadata: Record<string, string | number> = {},
  ): Record<string, unknown> {
    const line: Record<string, unknown> = { ...metadata };
    const directives = sets.map(({ dimensions, counts }) => {
      Object.assign(line, dimensions);
      for (const [name, n] of counts) line[name] = n === 1 ? 1 : new Array<number>(n).fill(1);
      return {
        Namespace: METRIC_NAMESPACE,
        Dimensions: [['Stage', ...Object.keys(dimensions)]],
        Metrics: [...counts.keys()].map((Name) => ({ Name, Unit: 'Count' })),
      };
    });
    line.Stage = this.#options.stage;
    return { _aws: { Timestamp: Date.now(), CloudWatchMetrics: directives }, ...line };
  }

  #write(line: Record<string, unknown>): void {
    (this.#options.sink ?? defaultSink)(JSON.stringify(line));
  }
}

type Count = { name: MetricName; dimensions?: Record<string, string> };

/**
 * POST /pagos errors: conflicts, 429s by the limit that refused (the error says which of Pagos's
 * own; one with a provider part is Conekta's), and whatever Conekta refused or failed to answer.
 */
export function pagosErrorCounts(answer: AnswerSummary, error?: unknown): Count[] {
  const counts: Count[] = [];
  if (answer.outcome === ErrorCode.referenceConflict || answer.outcome === ErrorCode.requestInProgress)
    counts.push({ name: MetricName.conflicts });
  if (answer.outcome === ErrorCode.rateLimited) {
    const limit =
      error instanceof RateLimitedError ? error.limit : answer.providerStatus ? 'provider' : 'unknown';
    counts.push({ name: MetricName.rateLimited, dimensions: { limit } });
  }
  if (answer.providerStatus)
    counts.push({ name: MetricName.conektaErrors, dimensions: { status: answer.providerStatus } });
  return counts;
}

/** POST /pagos successes: a new payment, or the same request answered again. */
export function countPagosSuccess(metrics: Counter, outcome: { action: string; replayed?: boolean }): void {
  if (outcome.action !== 'create' && outcome.action !== 'charge') return;
  metrics.count(outcome.replayed ? MetricName.createsReplayed : MetricName.paymentsCreated);
}

/** POST /webhooks/{provider}: every verified 2xx is accepted; stale events (duplicates among them) also count apart. */
export function webhookCounts(answer: AnswerSummary): Count[] {
  if (answer.status >= 400)
    return [{ name: MetricName.webhooksRejected, dimensions: { reason: answer.outcome } }];
  const counts: Count[] = [{ name: MetricName.webhooksAccepted }];
  if (answer.outcome === 'stale') counts.push({ name: MetricName.webhooksStale });
  return counts;
}
