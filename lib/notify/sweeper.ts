/**
 * Delivering outbox entries: the immediate first attempt (called by a handler after its
 * transaction commits) and the sweep (every minute) that retries what is due. Every attempt is
 * claimed first with a conditional write, so however many sweepers and handlers run at once,
 * each attempt is sent at most once; a crashed attempt is retried when its lease runs out.
 */
import { randomUUID } from 'node:crypto';
import { type NotifyConfig, NotifyConfigError } from './config.js';
import { DeliveryFailure, type DeliveryResult, postNotification, type Resolver } from './delivery.js';
import { TargetLimiter, targetOf } from './limiter.js';
import { type Counter, NotifyMetric } from './metrics.js';
import type {
  AttemptOutcome,
  AttemptRecord,
  NotificationDelivery,
  NotificationOutbox,
  NotificationRecorder,
  OutboxEntry,
} from './outbox.js';
import { retryDelayMs } from './schedule.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** The slice of lib/http/logger.ts's Logger (Powertools: fields merge into the JSON line) used here. */
export type NotifyLog = {
  info(message: string, ...fields: Record<string, unknown>[]): void;
  warn(message: string, ...fields: Record<string, unknown>[]): void;
  error(message: string, ...fields: Record<string, unknown>[]): void;
};

export type NotifierDeps = DeliveryDeps & { outbox: NotificationOutbox };

/** An attempt needs only the delivery half of the outbox. */
export type DeliveryDeps = RecorderDeps & { outbox: NotificationDelivery };

/** The attempt of an entry the caller's own write claimed needs only to record it. */
export type RecorderDeps = {
  outbox: NotificationRecorder;
  config: NotifyConfig;
  log: NotifyLog;
  /** Tests inject a resolver to prove refusals without a real lookup or connection. */
  resolve?: Resolver;
  /** Delivered / retried / dead counts (lib/http/metrics.ts); none when absent. */
  metrics?: Counter;
  now?: () => number;
};

export const USER_AGENT = 'Pagos-Notifications/1';

/** Time kept back at the end of a sweep to record the last attempts. */
const RECORD_MARGIN_MS = 2000;

export type AttemptResult =
  /** The outcome of an attempt this caller made. */
  | AttemptOutcome['next']
  /** Someone else holds it, it is not due, or there is nothing pending under that id. */
  | 'not_claimed'
  /** Sent, but the lease had run out and another attempt took over: its result counts. */
  | 'lost_claim'
  /** Not attempted: the sweep is out of time; the entry stays due. */
  | 'deferred'
  | 'error';

export type SweepReport = { due: number; ms: number } & Partial<Record<AttemptResult, number>>;

/** What to do after an attempt: pure. */
export function nextStep(
  result: DeliveryResult,
  attemptsMade: number,
  schedule: readonly number[],
  nowMs: number,
): AttemptOutcome {
  if (result.ok) return { next: 'delivered' };
  if (result.failure === DeliveryFailure.invalidUrl) return { next: 'dead' };
  const delay = retryDelayMs(attemptsMade, schedule);
  return delay === undefined ? { next: 'dead' } : { next: 'retry', dueAt: nowMs + delay };
}

function assertSecret(config: NotifyConfig): void {
  if (!config.signingSecret)
    throw new NotifyConfigError(
      'NOTIFICATION_SIGNING_SECRET is not set: notifications are never sent unsigned',
    );
}

/** Sends one claimed attempt and records its outcome under the claim. */
async function attemptClaimed(
  deps: RecorderDeps,
  entry: OutboxEntry,
  claimId: string,
  timeoutMs: number,
): Promise<AttemptResult> {
  const now = deps.now ?? Date.now;
  const { config } = deps;
  const startedAt = now();
  const result = await postNotification(
    {
      url: entry.url,
      body: entry.payload,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER]: signatureHeader(entry.payload, config.signingSecret, startedAt),
        'Pagos-Notification-Id': entry.id,
        'Pagos-Attempt': String(entry.attempts),
      },
    },
    { timeoutMs, localMode: config.localMode, ...(deps.resolve && { resolve: deps.resolve }) },
  );
  const finishedAt = now();
  const outcome = nextStep(result, entry.attempts, config.retrySchedule, finishedAt);
  const attempt: AttemptRecord = {
    attempt: entry.attempts,
    at: new Date(startedAt).toISOString(),
    ms: result.ms,
    result: result.ok ? 'delivered' : result.failure,
    ...(result.ok || result.status !== undefined ? { status: result.status } : {}),
    ...(!result.ok && { detail: result.detail }),
  };
  const fields = {
    notification_id: entry.id,
    target: targetOf(entry.url),
    attempt: entry.attempts,
    result: attempt.result,
    ...(attempt.status !== undefined && { status: attempt.status }),
    ...(attempt.detail && { detail: attempt.detail }),
    ms: result.ms,
  };
  if (!(await deps.outbox.record(entry.id, claimId, attempt, outcome, finishedAt))) {
    deps.log.warn('notification attempt outlived its lease; another attempt took over', fields);
    return 'lost_claim';
  }
  switch (outcome.next) {
    case 'delivered':
      deps.log.info('notification delivered', fields);
      deps.metrics?.count(NotifyMetric.delivered);
      break;
    case 'retry':
      deps.log.warn('notification attempt failed; will retry', {
        ...fields,
        retry_at: new Date(outcome.dueAt).toISOString(),
      });
      deps.metrics?.count(NotifyMetric.retried);
      break;
    case 'dead':
      deps.log.error(
        'notification dead: no attempts left; redrive with `npm run notifications -- redrive`',
        fields,
      );
      // Its own line: the id and target (metadata, not dimensions) say which one died.
      deps.metrics?.count(
        NotifyMetric.dead,
        {},
        { notification_id: entry.id, target: fields.target, attempts: entry.attempts },
      );
      break;
  }
  return outcome.next;
}

/**
 * The first attempt, right after the outbox entry is committed. Never throws and never takes
 * much longer than the first-attempt timeout: whatever goes wrong leaves the entry due for the
 * sweeper. Safe to call for an id that has no entry, or whose first attempt was already made.
 */
export async function deliverNotificationNow(deps: DeliveryDeps, id: string): Promise<AttemptResult> {
  const now = deps.now ?? Date.now;
  try {
    assertSecret(deps.config);
    const claimId = randomUUID();
    const at = now();
    const entry = await deps.outbox.claim({
      id,
      expectedAttempts: 0,
      claimId,
      now: at,
      leaseUntil: at + deps.config.leaseMs,
      onlyIfDue: false,
    });
    if (!entry) return 'not_claimed';
    return await attemptClaimed(deps, entry, claimId, deps.config.firstAttemptTimeoutMs);
  } catch (error) {
    deps.log.warn('immediate notification attempt failed; the sweeper will retry', {
      notification_id: id,
      error: { name: (error as Error)?.name, message: (error as Error)?.message },
    });
    return 'error';
  }
}

/**
 * The first attempt of an entry the caller's own transaction wrote already claimed (attempt 1
 * under `claimId`): one round trip less than claiming it here. Never throws, like
 * deliverNotificationNow; whatever goes wrong leaves the entry due when its lease ends.
 */
export async function deliverPreclaimed(
  deps: RecorderDeps,
  first: { id: string; url: string; payload: string; claimId: string },
): Promise<AttemptResult> {
  const now = deps.now ?? Date.now;
  try {
    assertSecret(deps.config);
    const entry: OutboxEntry = {
      id: first.id,
      url: first.url,
      payload: first.payload,
      state: 'pending',
      attempts: 1,
      createdAt: new Date(now()).toISOString(),
      livemode: false,
      redrives: 0,
      log: [],
    };
    return await attemptClaimed(deps, entry, first.claimId, deps.config.firstAttemptTimeoutMs);
  } catch (error) {
    deps.log.warn('immediate notification attempt failed; the sweeper will retry', {
      notification_id: first.id,
      error: { name: (error as Error)?.name, message: (error as Error)?.message },
    });
    return 'error';
  }
}

export type SweepOptions = {
  /** Epoch ms by which the sweep must be done (the Lambda's remaining time). */
  deadlineAt?: number;
  pageSize?: number;
  /** Due entries looked at in one sweep; the rest wait for the next. */
  maxEntries?: number;
};

/**
 * Attempts the due entries (up to `maxEntries`, oldest first) with bounded concurrency per target
 * and overall; what the deadline leaves unclaimed stays due for the next sweep.
 * Throws only when it cannot work at all (no signing secret, DynamoDB query failing): then the
 * Lambda's error metric shows it. A failing entry is logged and left for the next sweep.
 */
export async function sweepNotifications(
  deps: NotifierDeps,
  options: SweepOptions = {},
): Promise<SweepReport> {
  assertSecret(deps.config);
  const now = deps.now ?? Date.now;
  const started = now();
  const { config } = deps;
  const pageSize = options.pageSize ?? 100;
  const maxEntries = options.maxEntries ?? 2000;
  const limiter = new TargetLimiter(config.concurrency, config.perTargetConcurrency);
  const report: SweepReport = { due: 0, ms: 0 };
  const count = (result: AttemptResult) => {
    report[result] = (report[result] ?? 0) + 1;
  };
  const outOfTime = () =>
    options.deadlineAt !== undefined && now() + config.timeoutMs + RECORD_MARGIN_MS > options.deadlineAt;

  const attempt = async (seen: OutboxEntry): Promise<AttemptResult> => {
    if (outOfTime()) return 'deferred';
    try {
      const claimId = randomUUID();
      const at = now();
      const entry = await deps.outbox.claim({
        id: seen.id,
        expectedAttempts: seen.attempts,
        claimId,
        now: at,
        leaseUntil: at + config.leaseMs,
        onlyIfDue: true,
      });
      if (!entry) return 'not_claimed';
      return await attemptClaimed(deps, entry, claimId, config.timeoutMs);
    } catch (error) {
      deps.log.error('notification attempt could not be made or recorded', {
        notification_id: seen.id,
        error: { name: (error as Error)?.name, message: (error as Error)?.message },
      });
      return 'error';
    }
  };

  // Every page goes to the limiter at once: entries of a slow target queue on its own slots, so
  // other targets further down the index are not stuck behind it. One "now" for all pages, so
  // an entry retried during this sweep waits for the next one.
  const tasks: Promise<void>[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await deps.outbox.due(started, {
        limit: Math.min(pageSize, maxEntries - report.due),
        ...(cursor && { cursor }),
      });
      report.due += page.entries.length;
      for (const seen of page.entries)
        tasks.push(limiter.run(targetOf(seen.url), () => attempt(seen)).then(count));
      cursor = page.cursor;
    } while (cursor && report.due < maxEntries && !outOfTime());
  } finally {
    // Attempts already started finish and are recorded even if a later page could not be read.
    await Promise.all(tasks);
  }
  report.ms = now() - started;
  return report;
}
