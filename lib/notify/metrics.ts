/**
 * What the notification pipeline counts. The EMF lines are written by lib/http/metrics.ts
 * (namespace `Pagos`, dimension `Stage`); the alarms in serverless.yml watch
 * `DeadNotifications`, `LatePayments` and `PaidTwice` with exactly that namespace and dimension.
 */

export const NotifyMetric = {
  enqueued: 'NotificationsEnqueued',
  delivered: 'NotificationsDelivered',
  retried: 'NotificationsRetried',
  /** Put off without an attempt: the host's circuit breaker is open. */
  deferred: 'NotificationsDeferred',
  dead: 'DeadNotifications',
  /** A payment's relevant attempt became paid after it expired or was canceled. */
  latePayments: 'LatePayments',
  /** A second order of one payment was paid: refund one. */
  paidTwice: 'PaidTwice',
} as const;

/** The port: one more of `name`; with metadata (not dimensions), on a line of its own. */
export interface Counter {
  count(name: string, dimensions?: Record<string, string>, metadata?: Record<string, string | number>): void;
}
