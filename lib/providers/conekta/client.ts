/**
 * A small HTTP client for Conekta's API (https://api.conekta.io): one fetch per call, a
 * timeout, keep-alive (Node's fetch pools connections), and no retries: a POST that may have
 * reached Conekta is never sent twice from here.
 */
import { ProviderError, type ProviderFailure, type ProviderOutcome } from '../../payments/provider-errors.js';

export type ConektaClientConfig = {
  /** `https://api.conekta.io`, or the local sandbox. */
  baseUrl: string;
  /** Sent as `Accept: application/vnd.conekta-v<apiVersion>+json`. */
  apiVersion: string;
  timeoutMs: number;
  /** Injected for tests and benchmarks; the global fetch otherwise. */
  fetch?: typeof fetch;
};

export type ConektaRequest = {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  idempotencyKey?: string;
};

/** Conekta's error body (schemas/errors/error.yml). */
type ConektaErrorBody = { type?: string; log_id?: string | null; details?: unknown[] };

const PROVIDER = 'conekta';

// Connection errors that prove the request never reached Conekta.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

export class ConektaClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly config: ConektaClientConfig) {
    this.fetch = config.fetch ?? globalThis.fetch;
  }

  async send<T>(secret: string, request: ConektaRequest): Promise<T> {
    const url = new URL(request.path, this.config.baseUrl);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = {
      accept: `application/vnd.conekta-v${this.config.apiVersion}+json`,
      'accept-language': 'es',
      authorization: `Bearer ${secret}`,
    };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey) headers['idempotency-key'] = request.idempotencyKey;

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, this.config.timeoutMs);
    }

    if (response.ok) {
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new ProviderError(PROVIDER, 'unavailable', 'Conekta answered with a body that is not JSON.', {
          outcome: 'unknown',
          status: response.status,
          cause,
        });
      }
    }
    throw httpError(response.status, text);
  }
}

function transportError(error: unknown, timeoutMs: number): ProviderError {
  // Read by name, not instanceof: the DOMException may come from another realm.
  const name = String((error as { name?: unknown } | null)?.name ?? '');
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ProviderError(PROVIDER, 'timeout', `Conekta did not answer within ${timeoutMs} ms.`, {
      outcome: 'unknown',
      cause: error,
    });
  }
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  const outcome: ProviderOutcome = code && NOT_SENT_CODES.has(code) ? 'not_created' : 'unknown';
  return new ProviderError(PROVIDER, 'unavailable', `Could not reach Conekta (${code ?? name}).`, {
    outcome,
    cause: error,
  });
}

const FAILURE_BY_STATUS: Record<number, ProviderFailure> = {
  400: 'validation',
  401: 'authentication',
  402: 'declined',
  403: 'authentication',
  404: 'not_found',
  409: 'precondition',
  422: 'validation',
  428: 'precondition',
};

function httpError(status: number, text: string): ProviderError {
  let body: ConektaErrorBody = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as ConektaErrorBody;
  } catch {
    // A proxy's HTML error page, say: the status alone decides.
  }
  const failure: ProviderFailure = FAILURE_BY_STATUS[status] ?? 'unavailable';
  // A 4xx is Conekta refusing the request; a 5xx may come after Conekta already acted.
  const outcome: ProviderOutcome = status >= 500 || failure === 'unavailable' ? 'unknown' : 'not_created';
  return new ProviderError(PROVIDER, failure, `Conekta answered ${status} ${body.type ?? ''}`.trim(), {
    outcome,
    status,
    ...(body.type !== undefined && { type: body.type }),
    ...(body.log_id !== undefined && { logId: body.log_id }),
    details: Array.isArray(body.details) ? body.details : [],
  });
}
