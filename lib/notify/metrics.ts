/**
 * CloudWatch Embedded Metric Format: a JSON log line that CloudWatch turns into a metric, with no
 * API call and no extra permission. The DeadNotificationsAlarm in serverless.yml watches it.
 */

export const METRIC_NAMESPACE = 'Pagos';

export type MetricSink = (line: string) => void;

/** Straight to stdout, whatever LOG_LEVEL says: a metric is not a log message. */
export const stdoutMetrics: MetricSink = (line) => process.stdout.write(`${line}\n`);

export function deadNotificationMetric(input: {
  stage: string;
  notificationId: string;
  target: string;
  attempts: number;
  nowMs: number;
}): string {
  return JSON.stringify({
    _aws: {
      Timestamp: input.nowMs,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['Stage']],
          Metrics: [{ Name: 'DeadNotifications', Unit: 'Count' }],
        },
      ],
    },
    Stage: input.stage,
    DeadNotifications: 1,
    // Not dimensions: searchable in the log line, free of metric cost.
    notification_id: input.notificationId,
    target: input.target,
    attempts: input.attempts,
  });
}
