/**
 * Child: the webhook handler in-process against DynamoDB Local, for distinct seeded payments.
 * Seeding and signing happen in another process, so this one's peak RSS is the handler's
 * (plus the prepared events, ~1.5 KB each).
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handler as webhookHandler } from '../../functions/webhooks.js';
import { apiGatewayEvent, lambdaContext } from '../../tests/support/lambda-http.js';
import { asInvoke } from '../lib/invoke.js';
import { serveCommands } from '../lib/serve.js';
import { runLoad, takeFrom } from './load.js';

const webhook = asInvoke(webhookHandler);
const rssAfterImportKiB = Math.round(process.memoryUsage().rss / 1024);
const prepared: Record<string, APIGatewayProxyEventV2[]> = {};

/** Signed bodies in, API Gateway events out, before any timing starts. */
async function prepare(message: Record<string, unknown>) {
  const { variant, events } = message as { variant: string; events: { body: string; digest: string }[] };
  prepared[variant] = events.map(({ body, digest }) =>
    apiGatewayEvent(
      'POST',
      '/webhooks/conekta',
      { 'content-type': 'application/json', digest },
      Buffer.from(body),
    ),
  );
  return { prepared: prepared[variant].length };
}

async function run(message: Record<string, unknown>) {
  const { variant, concurrency, events, maxMs } = message as {
    variant: string;
    concurrency: number;
    events: number;
    maxMs: number;
  };
  const ctx = lambdaContext();
  return runLoad(takeFrom(prepared[variant] ?? [], events), concurrency, maxMs, async (event) => {
    const res = await webhook(event, ctx);
    const outcome = (JSON.parse(String(res.body ?? '{}')) as { outcome?: string }).outcome;
    if (res.statusCode !== 200 || outcome !== 'applied')
      throw new Error(`answered ${res.statusCode} ${outcome ?? res.body}`);
  });
}

/**
 * Peak RSS so far; with `gc`, also what the heap still holds after a full GC (growth there, not
 * in RSS, would be a leak). Only asked before and after all levels, so no GC lowers a peak.
 */
async function memory(message: Record<string, unknown>) {
  const before = process.memoryUsage();
  if (message.gc) {
    const gc = (globalThis as { gc?: (options: object) => void }).gc;
    if (!gc) throw new Error('start this child with --expose-gc');
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  }
  return {
    rssAfterImportKiB,
    rssNowKiB: Math.round(before.rss / 1024),
    heapUsedKiB: Math.round(before.heapUsed / 1024),
    heapAfterGcKiB: Math.round(process.memoryUsage().heapUsed / 1024),
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}

serveCommands({ prepare, run, memory });
