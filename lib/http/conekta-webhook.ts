/**
 * POST /webhooks/conekta: raw body -> verify -> parse -> find the payment -> reconcile.
 * Answers 200 only once the effect is durable; anything else makes Conekta retry (~24 h).
 */
import type { KeyObject } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type PreclaimedNotification, type ReconcileStore, reconcilePayment } from '../payments/reconcile.js';
import { readConektaEvent } from '../providers/conekta/mapping.js';
import { verifyConektaDigest, WebhookKeyConfigError } from '../providers/conekta/webhook-signature.js';
import type { Logger } from './logger.js';
import { type JsonResult, jsonResponse } from './responses.js';

export const WEBHOOK_MAX_BODY_BYTES = 256 * 1024;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type ConektaWebhookDeps = {
  store: ReconcileStore;
  /** The configured public keys; throws WebhookKeyConfigError when the setting is unusable. */
  publicKeys: () => readonly KeyObject[];
  logger: Logger;
  /** The immediate attempt of the storefront notification a status change queued; never throws. */
  firstAttempt?: { leaseMs: number; deliver: (first: PreclaimedNotification) => Promise<unknown> };
};

const problem = (status: number, code: string, message: string): JsonResult =>
  jsonResponse(status, { error: { code, message, details: [] } });

const received = (outcome: string): JsonResult => jsonResponse(200, { received: true, outcome });

/** Header names arrive in any case. */
export function headerValue(
  headers: Record<string, string | undefined> | undefined,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export async function handleConektaWebhook(
  deps: ConektaWebhookDeps,
  event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>,
): Promise<JsonResult> {
  const { logger } = deps;
  let keys: readonly KeyObject[];
  try {
    keys = deps.publicKeys();
  } catch (error) {
    if (!(error instanceof WebhookKeyConfigError)) throw error;
    logger.error('webhook key setting is invalid', {
      setting: 'CONEKTA_WEBHOOK_PUBLIC_KEYS',
      reason: error.message,
    });
    return problem(
      500,
      'webhook_keys_invalid',
      'Webhook verification is misconfigured; the operator has been told.',
    );
  }
  if (keys.length === 0) {
    // 500, not 401: Conekta keeps retrying until the operator sets the key, so no event is lost.
    logger.error('no Conekta webhook public key configured: set CONEKTA_WEBHOOK_PUBLIC_KEYS', {
      setting: 'CONEKTA_WEBHOOK_PUBLIC_KEYS',
    });
    return problem(500, 'webhook_keys_missing', 'Webhook verification is not configured yet; retry later.');
  }

  const raw = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > WEBHOOK_MAX_BODY_BYTES) {
    return problem(413, 'body_too_large', `Webhook bodies are limited to ${WEBHOOK_MAX_BODY_BYTES} bytes.`);
  }
  const check = verifyConektaDigest(raw, headerValue(event.headers, 'digest'), keys);
  if (!check.ok) {
    logger.warn('webhook signature refused', { reason: check.reason, bytes: raw.length });
    return problem(401, 'invalid_signature', check.reason);
  }

  let parsed: unknown;
  try {
    // Fatal: bytes that are not UTF-8 are refused, never read as U+FFFD and stored so.
    parsed = JSON.parse(UTF8.decode(raw));
  } catch {
    return problem(400, 'invalid_json', 'The webhook body is not valid UTF-8 JSON.');
  }
  const reading = readConektaEvent(parsed);
  switch (reading.kind) {
    case 'malformed':
      return problem(400, 'invalid_event', reading.reason);
    case 'ping':
      return received('ping');
    case 'ignored':
      // Unknown types are anything a key holder signed: a bounded slice is enough to recognise it.
      logger.debug('webhook event ignored', {
        event_id: reading.eventId.slice(0, 128),
        type: reading.type.slice(0, 64),
      });
      return received('ignored');
    case 'order':
      break;
  }

  // On every later line of this request, the request log line included.
  logger.appendKeys({ event_id: reading.eventId, type: reading.type, order_id: reading.snapshot.orderId });
  if (!reading.tag) {
    logger.info('webhook for an order that is not ours');
    return received('not_ours');
  }
  const outcome = await reconcilePayment(deps.store, reading.tag, reading.snapshot, {
    ...(deps.firstAttempt && { firstAttempt: { leaseMs: deps.firstAttempt.leaseMs } }),
    name: 'webhook',
    eventId: reading.eventId,
  });
  const referenceId = reading.tag.referenceId;
  logger.appendKeys({ reference_id: referenceId });
  switch (outcome.result) {
    case 'no_record':
      logger.warn('webhook before its payment record exists; Conekta will retry');
      return problem(409, 'payment_not_recorded_yet', 'The payment is not recorded yet; retry later.');
    case 'other_order':
      logger.warn('webhook for an order that is not the recorded one; ignored');
      return received('other_order');
    case 'applied':
      logger.info('payment status moved', { from: outcome.from, to: outcome.to });
      // After the commit: a slow storefront costs this answer at most the first-attempt timeout.
      if (outcome.firstAttempt) await deps.firstAttempt?.deliver(outcome.firstAttempt);
      return received('applied');
    case 'unknown_status':
      logger.warn('unknown Conekta payment_status stored raw', {
        provider_status: reading.snapshot.providerStatus,
      });
      return received(outcome.result);
    default:
      logger.info('webhook changed nothing', { result: outcome.result });
      return received(outcome.result);
  }
}
