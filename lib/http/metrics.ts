/**
 * Business metrics with Powertools Metrics (CloudWatch EMF: a JSON line that CloudWatch turns into
 * metrics, no API call, no extra permission). Namespace `Pagos`, dimension `Stage` on every
 * metric: the DeadNotificationsAlarm in serverless.yml matches exactly that.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
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

/**
 * Powertools Metrics with only the `Stage` default dimension (Powertools adds `service`, which
 * would change every metric's identity and break the alarm), written to a replaceable sink.
 */
export class PagosMetrics extends Metrics implements Counter {
  readonly #options: PagosMetricsOptions;
  #single: PagosMetrics | undefined;

  constructor(options: PagosMetricsOptions) {
    super({ namespace: METRIC_NAMESPACE });
    this.#options = options;
    this.clearDefaultDimensions();
    this.setDefaultDimensions({ Stage: options.stage });
  }

  /**
   * One more of `name`. Plain counts are batched until `publishStoredMetrics`; a count with its
   * own dimensions or metadata is written at once on its own line.
   */
  count(
    name: string,
    dimensions: Record<string, string> = {},
    metadata: Record<string, string | number> = {},
  ): void {
    if (Object.keys(dimensions).length === 0 && Object.keys(metadata).length === 0) {
      this.addMetric(name, MetricUnit.Count, 1);
      return;
    }
    this.#single ??= new PagosMetrics(this.#options);
    const single = this.#single;
    for (const [key, value] of Object.entries(dimensions)) single.addDimension(key, value);
    // EMF metadata is any JSON value; Powertools types it as string.
    for (const [key, value] of Object.entries(metadata)) single.addMetadata(key, value as string);
    single.addMetric(name, MetricUnit.Count, 1).publishStoredMetrics();
  }

  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) (this.#options.sink ?? defaultSink)(JSON.stringify(this.serializeMetrics()));
    this.clearMetrics();
    this.clearDimensions();
    this.clearMetadata();
    return this;
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
