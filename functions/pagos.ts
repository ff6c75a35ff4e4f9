/** POST /pagos: wiring only. Clients and config live at module scope, reused across invocations. */
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { readConfig } from '../lib/config.js';
import { answerBeforeDeadline, deadlineFrom } from '../lib/http/deadline.js';
import { clientAddress, edgeOrigin, edgeSettings } from '../lib/http/edge.js';
import { createLogger } from '../lib/http/logger.js';
import { countPagosSuccess, PagosMetrics, pagosErrorCounts } from '../lib/http/metrics.js';
import { bodySizeLimit, errorResponder, jsonBodyText, observability } from '../lib/http/middlewares.js';
import { jsonResponse } from '../lib/http/responses.js';
import { checkNotificationUrl } from '../lib/notify/url-safety.js';
import { handlePagosRequest, type PagosServices, requestLogKeys } from '../lib/payments/pagos-request.js';
import { providersFrom } from '../lib/providers/registry.js';
import { DynamoMerchantStore, newSigningSecret } from '../lib/store/merchants.js';
import { DynamoPaymentStore } from '../lib/store/payments.js';
import { dynamoClient, table } from '../lib/store/table.js';

const config = readConfig();
const logger = createLogger('pagos', config.logLevel);
const metrics = new PagosMetrics({ stage: config.stage });
const payments = table(dynamoClient(config), config.paymentsTable);
const services: PagosServices = {
  providers: providersFrom(process.env),
  store: new DynamoPaymentStore(payments),
  merchants: new DynamoMerchantStore(payments),
  config: config.pagos,
  urlPolicy: (url) => checkNotificationUrl(url, { localMode: config.localMode }),
  newSigningSecret,
  memory: new Map(),
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

type PagosEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: unknown };

/** By when this invocation must answer: Lambda's remaining time, less a margin to answer and record. */
const deadlineOf = (context: Context | undefined) =>
  deadlineFrom(context, config.deadlineMarginMs) ??
  Date.now() + config.functionTimeoutMs - config.deadlineMarginMs;

// The backstop: should anything outlive the deadline, the caller still gets a retry-safe 504, not
// the gateway's bare 500.
export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>(answerBeforeDeadline())
  .use(observability(logger, metrics, pagosErrorCounts))
  .use(errorResponder(logger))
  // Behind the edge, a request that went around it is refused before its body is read.
  .use(edgeOrigin(edgeSettings()))
  .use(bodySizeLimit(config.maxBodyBytes))
  .use(jsonBodyText())
  .use(httpJsonBodyParser())
  .handler(async (event, context) => {
    const body = (event as unknown as PagosEvent).body;
    // Known before validation, so refusals are logged with them too.
    logger.appendKeys(requestLogKeys(body));
    const outcome = await handlePagosRequest(services, body, {
      // Behind the edge, the viewer's address, not CloudFront's: the per-address limit on new keys.
      sourceIp: clientAddress(event),
      deadline: deadlineOf(context),
    });
    logger.appendKeys({ order_id: outcome.orderId, replayed: outcome.replayed });
    countPagosSuccess(metrics, outcome);
    return jsonResponse(200, outcome.body);
  });
