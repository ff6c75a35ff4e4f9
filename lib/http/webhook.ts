/**
 * POST /webhooks/{provider}: raw body -> verify (before anything parses it) -> parse -> read ->
 * apply to the payment -> answer. One handler for every provider; the provider's incoming side
 * (lib/providers/<name>) verifies and reads. Answers 200 only once the effect is durable; anything
 * else makes the provider retry. The storefront is told by the table's change stream, never here.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ErrorCode } from '../payments/errors.js';
import { applyOrderEvent } from '../payments/events.js';
import { type PaymentProvider, type PaymentStore, WebhookConfigError } from '../payments/ports.js';
import type { Logger } from './logger.js';
import { MetricName, type PagosMetrics } from './metrics.js';
import { rememberSensitiveValues, sensitiveValuesIn } from './redact.js';
import { type JsonResult, jsonResponse } from './responses.js';

export const WEBHOOK_MAX_BODY_BYTES = 256 * 1024;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type WebhookDeps = {
  providers: Readonly<Record<string, PaymentProvider>>;
  store: PaymentStore;
  logger: Logger;
  metrics: Pick<PagosMetrics, 'count'>;
  now?: () => number;
};

/** The error codes of POST /webhooks/{provider} (docs/openapi.yaml). */
export const WebhookErrorCode = {
  /** Answered by lib/http/edge.ts before this handler runs. */
  edgeRequired: ErrorCode.edgeRequired,
  unknownProvider: 'unknown_provider',
  bodyTooLarge: ErrorCode.bodyTooLarge,
  webhookKeysMissing: 'webhook_keys_missing',
  webhookKeysInvalid: 'webhook_keys_invalid',
  invalidSignature: 'invalid_signature',
  invalidJson: ErrorCode.invalidJson,
  invalidEvent: 'invalid_event',
} as const;
export type WebhookErrorCode = (typeof WebhookErrorCode)[keyof typeof WebhookErrorCode];

const problem = (status: number, code: WebhookErrorCode, message: string): JsonResult =>
  jsonResponse(status, { error: { code, message, details: [] } });

/** What a 200 says happened to a verified event. */
export const WebhookOutcome = {
  applied: 'applied',
  ping: 'ping',
  ignored: 'ignored',
  notOurs: 'not_ours',
  noPayment: 'no_payment',
  mismatch: 'mismatch',
  unknownStatus: 'unknown_status',
  stale: 'stale',
  unknownAttempt: 'unknown_attempt',
} as const;
export type WebhookOutcome = (typeof WebhookOutcome)[keyof typeof WebhookOutcome];

const received = (outcome: WebhookOutcome): JsonResult => jsonResponse(200, { received: true, outcome });

/** The provider a webhook route names: `{provider}`, or the last path segment. */
export function providerOf(event: Pick<APIGatewayProxyEventV2, 'pathParameters' | 'rawPath'>): string {
  return event.pathParameters?.provider ?? event.rawPath?.split('/').filter(Boolean).at(-1) ?? '';
}

export async function handleWebhook(
  deps: WebhookDeps,
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers' | 'pathParameters' | 'rawPath'>,
): Promise<JsonResult> {
  const { logger } = deps;
  const name = providerOf(event);
  const provider = Object.hasOwn(deps.providers, name) ? deps.providers[name] : undefined;
  if (!provider)
    return problem(
      404,
      WebhookErrorCode.unknownProvider,
      `No provider named "${name.slice(0, 40)}" sends webhooks here.`,
    );

  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > WEBHOOK_MAX_BODY_BYTES) {
    return problem(
      413,
      WebhookErrorCode.bodyTooLarge,
      `Webhook bodies are limited to ${WEBHOOK_MAX_BODY_BYTES} bytes.`,
    );
  }
  let check: ReturnType<PaymentProvider['webhooks']['verify']>;
  try {
    check = provider.webhooks.verify(raw, event.headers ?? {});
  } catch (error) {
    if (!(error instanceof WebhookConfigError)) throw error;
    // 500, not 401: the provider keeps retrying until the operator fixes the setting, so no event is lost.
    logger.error('webhook verification is not configured', {
      problem: error.problem,
      reason: error.message,
    });
    if (error.problem === 'invalid')
      // The message names the key that failed by position, never its contents.
      return problem(
        500,
        WebhookErrorCode.webhookKeysInvalid,
        `Webhook verification is misconfigured: ${error.message} Retry later.`,
      );
    return problem(
      500,
      WebhookErrorCode.webhookKeysMissing,
      'Webhook verification is not configured yet; retry later.',
    );
  }
  if (!check.ok) {
    logger.warn('webhook signature refused', { reason: check.reason, bytes: raw.length });
    return problem(401, WebhookErrorCode.invalidSignature, check.reason);
  }
  // Fields, not lines: the one `request done` line of this request carries them (a line per step
  // was most of a webhook's own CPU time, bench/README.md).
  logger.appendKeys({ digest_form: check.form });
  deps.metrics.count(MetricName.webhooksVerified, { DigestForm: check.form });

  let parsed: unknown;
  try {
    // Fatal: bytes that are not UTF-8 are refused, never read as U+FFFD and stored so.
    parsed = JSON.parse(UTF8.decode(raw));
  } catch {
    return problem(400, WebhookErrorCode.invalidJson, 'The webhook body is not valid UTF-8 JSON.');
  }
  // Only a verified body may teach the log redactor what to hide.
  rememberSensitiveValues(sensitiveValuesIn(parsed));
  const reading = provider.webhooks.read(parsed);
  switch (reading.kind) {
    case 'malformed':
      return problem(400, WebhookErrorCode.invalidEvent, reading.reason);
    case 'ping':
      return received(WebhookOutcome.ping);
    case 'ignored':
      logger.debug('webhook event ignored', { event_id: reading.eventId, type: reading.type });
      return received(WebhookOutcome.ignored);
    case 'order':
      break;
  }
  // On every later line of this request, the request log line included.
  logger.appendKeys({ event_id: reading.eventId, type: reading.type, order_id: reading.order.orderId });
  if (!reading.tag) return received(WebhookOutcome.notOurs);
  logger.appendKeys({ reference_id: reading.tag.referenceId });
  const now = (deps.now ?? Date.now)();
  const outcome = await applyOrderEvent(deps.store, reading.tag, reading.order, {
    name: `webhook:${reading.eventId}`,
    at: new Date(now).toISOString(),
  });
  switch (outcome.result) {
    case 'applied':
      logger.appendKeys({ to: reading.order.status, fast: outcome.fast });
      return received(WebhookOutcome.applied);
    case 'no_payment':
      // Our tag, but no such payment in this table (another stage's, or an order made by hand).
      logger.warn('webhook for a payment this service does not have; ignored');
      return received(WebhookOutcome.noPayment);
    case 'mismatch':
      // Never adopted: the order claims our attempt but not its amount or currency.
      logger.error('webhook order does not match its attempt (amount or currency); ignored');
      return received(WebhookOutcome.mismatch);
    case 'unknown_status':
      logger.warn('unknown provider payment status kept raw', {
        provider_status: reading.order.providerStatus,
      });
      return received(WebhookOutcome.unknownStatus);
    default:
      return received(outcome.result);
  }
}
