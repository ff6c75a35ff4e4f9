/**
 * One HTTP POST to a storefront, safe against SSRF and slow or hostile servers: the host is
 * resolved once, every address is checked, and the connection is pinned to the checked addresses
 * (a custom `lookup`), so DNS rebinding between check and connect cannot redirect it. One deadline
 * covers DNS, connect, TLS and response; redirects are not followed; at most 1 KiB of the answer
 * is read.
 */
import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIPv4, type LookupFunction } from 'node:net';
import { bareHostname, checkNotificationUrl, disallowedAddress, isIpLiteral } from './url-safety.js';

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** Every address the system resolver knows for the name, so none can slip past the check. */
// Stryker disable next-line BooleanLiteral: the order is irrelevant: every address is checked, then they are sorted by family, keeping the order within one (as ipv4first does)
export const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export const DeliveryFailure = {
  /** Answered, but not 2xx (redirects included). */
  httpStatus: 'http_status',
  timeout: 'timeout',
  /** DNS failure, refused or reset connection, TLS error. */
  network: 'network',
  /** The target or one of its addresses is not allowed (SSRF rules); nothing was sent. */
  refused: 'refused',
  /** Not an http(s) URL: retrying cannot help. */
  invalidUrl: 'invalid_url',
} as const;
export type DeliveryFailure = (typeof DeliveryFailure)[keyof typeof DeliveryFailure];

export type DeliveryResult =
  | { ok: true; status: number; ms: number }
  | { ok: false; failure: DeliveryFailure; detail: string; status?: number; ms: number };

export type DeliveryRequest = { url: string; body: string; headers: Record<string, string> };

export type DeliveryOptions = {
  timeoutMs: number;
  localMode: boolean;
  resolve?: Resolver;
  maxResponseBytes?: number;
};

export const MAX_RESPONSE_BYTES = 1024;

export async function postNotification(
  req: DeliveryRequest,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fail = (failure: DeliveryFailure, detail: string, status?: number): DeliveryResult => ({
    ok: false,
    failure,
    detail,
    ...(status !== undefined && { status }),
    ms: elapsed(),
  });

  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return fail(DeliveryFailure.invalidUrl, 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return fail(DeliveryFailure.invalidUrl, `${url.protocol} is not http or https`);
  const urlProblem = checkNotificationUrl(req.url, { localMode: options.localMode });
  if (urlProblem) return fail(DeliveryFailure.refused, `notification_url ${urlProblem}`);

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const host = bareHostname(url);
    let addresses: LookupAddress[];
    try {
      addresses = isIpLiteral(host)
        ? [{ address: host, family: isIPv4(host) ? 4 : 6 }]
        : await abortable((options.resolve ?? systemResolver)(host), controller.signal);
    } catch (error) {
      if (controller.signal.aborted)
        return fail(DeliveryFailure.timeout, `no DNS answer within ${options.timeoutMs} ms`);
      return fail(DeliveryFailure.network, `DNS: ${describe(error)}`);
    }
    if (addresses.length === 0) return fail(DeliveryFailure.network, `DNS: no address for ${host}`);
    if (!options.localMode) {
      for (const { address } of addresses) {
        const reason = disallowedAddress(address);
        if (reason) return fail(DeliveryFailure.refused, `${host} resolves to ${address} (${reason})`);
      }
    }
    // IPv4 first: Lambda outside a VPC has no IPv6 egress.
    const pinned = [...addresses].sort((a, b) => a.family - b.family);
    const outcome = await send(url, host, pinned, req, options, controller.signal);
    if ('error' in outcome) {
      return controller.signal.aborted
        ? fail(DeliveryFailure.timeout, `no answer within ${options.timeoutMs} ms`)
        : fail(DeliveryFailure.network, describe(outcome.error));
    }
    if (outcome.status >= 200 && outcome.status < 300)
      return { ok: true, status: outcome.status, ms: elapsed() };
    return fail(DeliveryFailure.httpStatus, `HTTP ${outcome.status}`, outcome.status);
  } finally {
    clearTimeout(timer);
  }
}

/** Hands the connection only the addresses that passed the check; never asks DNS again. */
function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all)
      return callback(
        null,
        addresses.map((a) => ({ ...a })),
      );
    const first = addresses.find((a) => !options.family || a.family === options.family) ?? addresses[0]!;
    callback(null, first.address, first.family);
  };
}

type SendOutcome = { status: number } | { error: unknown };

function send(
  url: URL,
  host: string,
  addresses: readonly LookupAddress[],
  req: DeliveryRequest,
  options: DeliveryOptions,
  signal: AbortSignal,
): Promise<SendOutcome> {
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  return new Promise((resolve) => {
    let status: number | undefined;
    let settled = false;
    const transport = url.protocol === 'https:' ? https : http;
    const request = transport.request({
      protocol: url.protocol,
      hostname: host,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
      agent: false, // a fresh connection to the checked address, never a pooled one
      lookup: pinnedLookup(addresses),
      signal,
      // Stryker disable next-line ObjectLiteral: without it Node's agent derives the same servername from the Host header (this host; callers set none) and none for an IP
      ...(!isIpLiteral(host) && { servername: host }),
    });
    const settle = (outcome: SendOutcome) => {
      // Stryker disable next-line ConditionalExpression: a second settle is harmless: destroy and resolve are idempotent
      if (settled) return;
      // Stryker disable next-line BooleanLiteral: a second settle is harmless: destroy and resolve are idempotent
      settled = true;
      request.destroy();
      resolve(outcome);
    };
    request.on('response', (res) => {
      status = res.statusCode ?? 0;
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= maxBytes) settle({ status: status! });
      });
      res.on('end', () => settle({ status: status! }));
      res.on('error', () => settle({ status: status! }));
    });
    // After the status line arrived, a stalled or cut body does not change the answer.
    request.on('error', (error) => settle(status === undefined ? { error } : { status }));
    request.end(req.body);
  });
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    // Stryker disable next-line StringLiteral: the message is never read: an aborted DNS wait is reported from signal.aborted
    const onAbort = () => reject(new Error('aborted'));
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: a signal aborts at most once, so the listener runs at most once anyway
    signal.addEventListener('abort', onAbort, { once: true });
    // Stryker disable next-line ArrowFunction,StringLiteral: the signal lives for one call; a late abort only rejects a settled promise (a no-op)
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string } | undefined;
  const message = e?.message ?? String(error);
  return e?.code && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
