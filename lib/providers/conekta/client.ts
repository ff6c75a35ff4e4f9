/**
 * A small HTTP client for Conekta's API (https://api.conekta.io): one exchange per call, bounded by
 * the request's deadline, keep-alive (../http-transport.ts). A POST that may have
 * reached Conekta is never sent twice from here; an idempotent GET is retried once after a
 * connection failure, a 5xx or a 429, time allowing.
 */
import { ProviderError, type ProviderFailure, type ProviderOutcome } from '../../payments/provider-errors.js';
import { type HttpAnswer, type HttpTransport, nodeHttpTransport } from '../http-transport.js';

export type ConektaClientConfig = {
  /** `https://api.conekta.io`, or the local sandbox. */
  baseUrl: string;
  /** Sent as `Accept: application/vnd.conekta-v<apiVersion>+json`. */
  apiVersion: string;
  /** The longest one call may take. */
  timeoutMs: number;
  /** Injected for tests and benchmarks (the global `fetch` fits); node:https otherwise. */
  fetch?: HttpTransport;
};

export type ConektaRequest = {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  idempotencyKey?: string;
  /** Epoch ms by which the call must have ended. */
  deadline: number;
};

/** Conekta's error body (schemas/errors/error.yml); `data` is what a refusal still made (legacy docs). */
export type ConektaErrorBody = { type?: string; log_id?: string | null; details?: unknown[]; data?: unknown };

export const PROVIDER = 'conekta';

// Connection errors that prove the request never reached Conekta.
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
/** Time kept for the caller after a call, to record its outcome. */
const MIN_CALL_MS = 250;

export type ErrorBodyReader = (
  status: number,
  body: ConektaErrorBody,
) => Partial<ProviderError['info']> & {
  failure?: ProviderFailure;
  outcome?: ProviderOutcome;
};

export class ConektaClient {
  private readonly fetch: HttpTransport;

  constructor(
    private readonly config: ConektaClientConfig,
    /** Reads what an error body says beyond its status (a used token, a declined order). */
    private readonly readErrorBody: ErrorBodyReader = () => ({}),
  ) {
    this.fetch = config.fetch ?? nodeHttpTransport;
  }

  async send<T>(secret: string, request: ConektaRequest): Promise<T> {
    try {
      return await this.once<T>(secret, request);
    } catch (error) {
      const retry =
        request.method === 'GET' &&
        error instanceof ProviderError &&
        ['unavailable', 'timeout', 'rate_limited'].includes(error.failure) &&
        request.deadline - Date.now() > this.config.timeoutMs / 2;
      if (!retry) throw error;
      await new Promise((r) => setTimeout(r, 100));
      return this.once<T>(secret, request);
    }
  }

  private async once<T>(secret: string, request: ConektaRequest): Promise<T> {
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
    const timeoutMs = Math.min(this.config.timeoutMs, request.deadline - Date.now());
    if (timeoutMs < MIN_CALL_MS) {
      throw new ProviderError({
        provider: PROVIDER,
        failure: 'timeout',
        outcome: 'not_processed',
        message: 'No time was left to call Conekta before this request’s deadline.',
      });
    }

    let response: HttpAnswer;
    let text: string;
    try {
      response = await this.fetch(url, {
        method: request.method,
        headers,
        ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, timeoutMs);
    }

    if (response.ok) {
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new ProviderError({
          provider: PROVIDER,
          failure: 'unavailable',
          outcome: 'unknown',
          message: 'Conekta answered with a body that is not JSON.',
          status: response.status,
          cause,
        });
      }
    }
    throw this.httpError(response.status, text);
  }

  private httpError(status: number, text: string): ProviderError {
    let body: ConektaErrorBody = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') body = parsed as ConektaErrorBody;
    } catch {
      // A proxy's HTML error page, say: the status alone decides.
    }
    const failure: ProviderFailure = FAILURE_BY_STATUS[status] ?? 'unavailable';
    // A 4xx is Conekta refusing the request (429: not processed either); a 5xx may come after Conekta acted.
    const outcome: ProviderOutcome = failure === 'unavailable' ? 'unknown' : 'not_processed';
    const read = this.readErrorBody(status, body);
    return new ProviderError({
      provider: PROVIDER,
      failure: read.failure ?? failure,
      outcome: read.outcome ?? outcome,
      message: `Conekta answered ${status} ${body.type ?? ''}`.trim(),
      status,
      ...(body.type !== undefined && { type: body.type }),
      ...(body.log_id !== undefined && { logId: body.log_id }),
      details: Array.isArray(body.details) ? body.details : [],
      ...(read.order && { order: read.order }),
    });
  }
}

function transportError(error: unknown, timeoutMs: number): ProviderError {
  // Read by name, not instanceof: the DOMException may come from another realm.
  const name = String((error as { name?: unknown } | null)?.name ?? '');
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ProviderError({
      provider: PROVIDER,
      failure: 'timeout',
      outcome: 'unknown',
      message: `Conekta did not answer within ${timeoutMs} ms.`,
      cause: error,
    });
  }
  // node:http's errors carry the code, fetch's carry it on their cause.
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const found = typeof e?.code === 'string' ? e.code : e?.cause?.code;
  const code = typeof found === 'string' ? found : undefined;
  return new ProviderError({
    provider: PROVIDER,
    failure: 'unavailable',
    outcome: code && NOT_SENT_CODES.has(code) ? 'not_processed' : 'unknown',
    message: `Could not reach Conekta (${code ?? name}).`,
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
  429: 'rate_limited',
};
