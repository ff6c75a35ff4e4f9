// Helpers for tests that talk to the sandbox over HTTP: a small Conekta client and a local
// webhook receiver (node:http on 127.0.0.1) that records raw bodies.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CONEKTA_ACCEPT = 'application/vnd.conekta-v2.3.0+json';

/** Parsed JSON as tests read it: field by field, asserting as they go. */
// biome-ignore lint/suspicious/noExplicitAny: deliberate, see above
export type JsonBody = any;

export interface ConektaResponse<T = JsonBody> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ConektaClient {
  request<T = JsonBody>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ConektaResponse<T>>;
  get<T = JsonBody>(path: string, headers?: Record<string, string>): Promise<ConektaResponse<T>>;
  post<T = JsonBody>(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ConektaResponse<T>>;
}

/** Sends Conekta's headers (Bearer key, Accept 2.3.0); `headers` override or (value '') drop them. */
export function conektaClient(baseUrl: string, apiKey: string): ConektaClient {
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const merged: Record<string, string> = {
      authorization: `Bearer ${apiKey}`,
      accept: CONEKTA_ACCEPT,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    };
    for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: merged,
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as JsonBody };
  };
  return {
    request,
    get: (path, headers) => request('GET', path, undefined, headers),
    post: (path, body, headers) => request('POST', path, body ?? {}, headers),
  };
}

export interface ReceivedWebhook {
  path: string;
  headers: IncomingMessage['headers'];
  /** The exact bytes received (what the digest signs). */
  raw: Buffer;
  body: JsonBody;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Status to answer per request (default 200); may return 'hang' to never answer. */
  respond: (hook: ReceivedWebhook, index: number) => number | 'hang';
  /** Resolves once `count` webhooks matching `filter` arrived (rejects after `timeoutMs`). */
  waitFor(
    count: number,
    filter?: (hook: ReceivedWebhook) => boolean,
    timeoutMs?: number,
  ): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** `port`: a given one (a receiver that comes back up where it was); default a free one. */
export async function startWebhookReceiver({ port = 0 }: { port?: number } = {}): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received,
    respond: () => 200,
    waitFor(count, filter = () => true, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const matching = received.filter(filter);
          if (matching.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(matching);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`waited for ${count} webhooks, got ${received.filter(filter).length}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const hook: ReceivedWebhook = { path: request.url ?? '/', headers: request.headers, raw, body };
      const index = received.push(hook) - 1;
      const status = receiver.respond(hook, index);
      for (const waiter of [...waiters]) waiter();
      if (status === 'hang') return;
      response.writeHead(status, { 'content-type': 'text/plain' });
      response.end(String(status));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}`;
  return receiver;
}
