/** POST /pagos: wiring only. Clients and config live at module scope, reused across invocations. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readConfig } from '../lib/config.js';
import { Logger } from '../lib/http/logger.js';
import { bodySizeLimit, errorResponder, exponentNumbersAsText } from '../lib/http/middlewares.js';
import { jsonResponse } from '../lib/http/responses.js';
import { readNotifyConfig } from '../lib/notify/config.js';
import { createNotifier } from '../lib/notify/sweeper.js';
import { checkNotificationUrl } from '../lib/notify/url-safety.js';
import { handlePagosRequest, type PagosServices } from '../lib/payments/pagos-request.js';
import { createConektaProvider } from '../lib/providers/conekta/provider.js';
import { DynamoNotificationOutbox } from '../lib/store/notifications.js';
import { DynamoLifecycleStore } from '../lib/store/refunds.js';

const config = readConfig();
const logger = new Logger('pagos', config.logLevel);
const db = new DynamoDBClient({});
const services: PagosServices = {
  providers: { conekta: createConektaProvider(config.conekta) },
  store: new DynamoLifecycleStore(db, config.paymentsTable),
  create: config.create,
  refundLockMs: config.create.leaseMs,
  urlPolicy: (url) => checkNotificationUrl(url, { localMode: config.localMode }),
};
const notifier = createNotifier({
  outbox: new DynamoNotificationOutbox(db, config.paymentsTable),
  config: readNotifyConfig(),
  log: logger,
});

type PagosEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown };

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  .use(errorResponder(logger))
  .use(bodySizeLimit(config.maxBodyBytes))
  .use(exponentNumbersAsText())
  .use(httpJsonBodyParser())
  .handler(async (event) => {
    const started = Date.now();
    const outcome = await handlePagosRequest(services, (event as unknown as PagosEvent).body);
    // A status this request moved is told to the storefront now; the sweeper retries if this fails.
    if (outcome.notification) await notifier.deliverNow(outcome.notification);
    logger.info('request done', {
      action: outcome.action,
      reference_id: outcome.referenceId,
      order_id: outcome.orderId,
      replayed: outcome.replayed,
      ms: Date.now() - started,
    });
    return jsonResponse(200, outcome.body);
  });
