/** Every minute (EventBridge): delivers due storefront notifications. Wiring only. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { readConfig } from '../lib/config.js';
import { createLogger } from '../lib/http/logger.js';
import { PagosMetrics } from '../lib/http/metrics.js';
import { correlationId, requestMetrics } from '../lib/http/middlewares.js';
import { readNotifyConfig } from '../lib/notify/config.js';
import { type SweepReport, sweepNotifications } from '../lib/notify/sweeper.js';
import { DynamoNotificationOutbox } from '../lib/store/notifications.js';

const config = readConfig();
const notifyConfig = readNotifyConfig();
const logger = createLogger('pagos-notifications', config.logLevel);
const metrics = new PagosMetrics({ stage: notifyConfig.stage });
const deps = {
  outbox: new DynamoNotificationOutbox(new DynamoDBClient({}), config.paymentsTable),
  config: notifyConfig,
  log: logger,
  metrics,
};

export const handler = middy<ScheduledEvent, SweepReport>()
  .use(correlationId(logger))
  .use(requestMetrics(metrics))
  .handler(async (_event, context: Context) => {
    const report = await sweepNotifications(deps, {
      deadlineAt: Date.now() + context.getRemainingTimeInMillis(),
    });
    if (report.due > 0) logger.info('notification sweep done', report);
    return report;
  });
