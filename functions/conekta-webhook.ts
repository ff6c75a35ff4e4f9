/** POST /webhooks/conekta: wiring only. */
import type { KeyObject } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readConfig } from '../lib/config.js';
import { handleConektaWebhook } from '../lib/http/conekta-webhook.js';
import { createLogger } from '../lib/http/logger.js';
import { PagosMetrics, webhookCounts } from '../lib/http/metrics.js';
import { errorResponder, observability } from '../lib/http/middlewares.js';
import { readNotifyConfig } from '../lib/notify/config.js';
import { deliverPreclaimed, type RecorderDeps } from '../lib/notify/sweeper.js';
import { parseWebhookPublicKeys } from '../lib/providers/conekta/webhook-signature.js';
import { DynamoNotificationRecorder } from '../lib/store/notifications.js';
import { DynamoReconcileStore } from '../lib/store/reconcile.js';

const config = readConfig();
const notifyConfig = readNotifyConfig();
const logger = createLogger('pagos-webhooks', config.logLevel);
const metrics = new PagosMetrics({ stage: notifyConfig.stage });
const db = new DynamoDBClient({});
const store = new DynamoReconcileStore(db, config.paymentsTable);
// Only the immediate attempt: the sweep is the sweeper Lambda's (and stays out of this bundle).
const notifyDeps: RecorderDeps = {
  outbox: new DynamoNotificationRecorder(db, config.paymentsTable),
  config: notifyConfig,
  log: logger,
  metrics,
};

let keys: { setting: string | undefined; parsed: readonly KeyObject[] } | undefined;
// Parsed on first use and again only when the setting changes.
const publicKeys = () => {
  const setting = process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS;
  if (keys === undefined || keys.setting !== setting)
    keys = { setting, parsed: parseWebhookPublicKeys(setting) };
  return keys.parsed;
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observability(logger, metrics, webhookCounts))
  .use(errorResponder(logger))
  .handler((event) =>
    handleConektaWebhook(
      {
        store,
        publicKeys,
        logger,
        firstAttempt: {
          leaseMs: notifyConfig.leaseMs,
          deliver: (first) => deliverPreclaimed(notifyDeps, first),
        },
      },
      event,
    ),
  );
