/**
 * What the notifier counts. The EMF lines are written by lib/http/metrics.ts (Powertools Metrics,
 * namespace `Pagos`, dimension `Stage`); the DeadNotificationsAlarm in serverless.yml watches
 * `DeadNotifications` with exactly that namespace and dimension.
 */

export const NotifyMetric = {
  delivered: 'NotificationsDelivered',
  retried: 'NotificationsRetried',
  dead: 'DeadNotifications',
} as const;

/** The port: one more of `name`; with metadata (not dimensions), on a line of its own. */
export interface Counter {
  count(name: string, dimensions?: Record<string, string>, metadata?: Record<string, string | number>): void;
}
