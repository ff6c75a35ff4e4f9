/** POST /webhooks/{provider} (and /webhooks/conekta): wiring only. */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { readConfig } from '../lib/config.js';
import { edgeOrigin, edgeSettings } from '../lib/http/edge.js';
import { createLogger } from '../lib/http/logger.js';
import { PagosMetrics, webhookCounts } from '../lib/http/metrics.js';
import { errorResponder, observability } from '../lib/http/middlewares.js';
import { handleWebhook, type WebhookDeps } from '../lib/http/webhook.js';
import { providersFrom } from '../lib/providers/registry.js';
import { DynamoPaymentStore } from '../lib/store/payments.js';
import { dynamoClient, table } from '../lib/store/table.js';

const config = readConfig();
const logger = createLogger('pagos-webhooks', config.logLevel);
const metrics = new PagosMetrics({ stage: config.stage });
const deps: WebhookDeps = {
  providers: providersFrom(process.env),
  store: new DynamoPaymentStore(table(dynamoClient(config), config.paymentsTable)),
  logger,
  metrics,
};

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
  // An unverified body teaches the log redactor nothing: the handler learns once it verified.
  .use(observability(logger, metrics, webhookCounts, { learnFromBody: false }))
  .use(errorResponder(logger))
  // Behind the edge, a request that went around it is refused before its body is read.
  .use(edgeOrigin(edgeSettings()))
  .handler((event) => handleWebhook(deps, event));
