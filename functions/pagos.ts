/** POST /pagos: wiring only. Clients and config live at module scope, reused across invocations. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readConfig } from '../lib/config.js';
import { createLogger } from '../lib/http/logger.js';
import { countPagosSuccess, PagosMetrics, pagosErrorCounts } from '../lib/http/metrics.js';
import { bodySizeLimit, errorResponder, jsonBodyText, observability } from '../lib/http/middlewares.js';
import { jsonResponse } from '../lib/http/responses.js';
import { readNotifyConfig } from '../lib/notify/config.js';
import { deliverPreclaimed, type RecorderDeps } from '../lib/notify/sweeper.js';
import { checkNotificationUrl } from '../lib/notify/url-safety.js';
import { handlePagosRequest, type PagosServices, requestLogKeys } from '../lib/payments/pagos-request.js';
import { createConektaProvider } from '../lib/providers/conekta/provider.js';
import { DynamoNotificationRecorder } from '../lib/store/notifications.js';
import { DynamoLifecycleStore } from '../lib/store/refunds.js';

const config = readConfig();
const notifyConfig = readNotifyConfig();
const logger = createLogger('pagos', config.logLevel);
const metrics = new PagosMetrics({ stage: notifyConfig.stage });
const db = new DynamoDBClient({});
const services: PagosServices = {
  providers: { conekta: createConektaProvider(config.conekta) },
  store: new DynamoLifecycleStore(db, config.paymentsTable),
  create: config.create,
  refundLockMs: config.create.leaseMs,
  urlPolicy: (url) => checkNotificationUrl(url, { localMode: config.localMode }),
  notifyLeaseMs: notifyConfig.leaseMs,
};
// Only the immediate attempt: the sweep is the sweeper Lambda's (and stays out of this bundle).
const notifyDeps: RecorderDeps = {
  outbox: new DynamoNotificationRecorder(db, config.paymentsTable),
  config: notifyConfig,
  log: logger,
  metrics,
};

type PagosEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown };

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(observability(logger, metrics, pagosErrorCounts))
  .use(errorResponder(logger))
  .use(bodySizeLimit(config.maxBodyBytes))
  .use(jsonBodyText())
  .use(httpJsonBodyParser())
  .handler(async (event) => {
    const body = (event as unknown as PagosEvent).body;
    // Known before validation, so refusals are logged with them too.
    logger.appendKeys(requestLogKeys(body));
    const outcome = await handlePagosRequest(services, body);
    logger.appendKeys({ order_id: outcome.orderId, replayed: outcome.replayed });
    countPagosSuccess(metrics, outcome);
    // A status this request moved is told to the storefront now; the sweeper retries if this fails.
    if (outcome.firstAttempt) await deliverPreclaimed(notifyDeps, outcome.firstAttempt);
    return jsonResponse(200, outcome.body);
  });
