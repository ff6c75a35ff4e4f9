/**
 * One HTTP exchange with a provider's API, on node:http(s). Not the global fetch: its first call
 * loads undici (~40 ms on a cold Lambda, measured in bench/README.md), while node:https is already
 * loaded by the AWS SDK. The shape is fetch's, so tests and benchmarks can pass `fetch` instead.
 */
import http from 'node:http';
import https from 'node:https';

export type HttpRequest = {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  /** fetch's option; this transport never follows a redirect: a 3xx is the answer. */
  redirect: 'error';
};

export type HttpAnswer = { readonly status: number; readonly ok: boolean; text(): Promise<string> };

export type HttpTransport = (url: URL, request: HttpRequest) => Promise<HttpAnswer>;

/** Larger answers are refused: a list page of 250 orders is well under 1 MiB. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

// Keep-alive per scheme, made on first use: nothing at import.
let agents: { http: http.Agent; https: https.Agent } | undefined;
const agentsFor = () => {
  // Stryker disable next-line ObjectLiteral,BooleanLiteral: the keep-alive tests fail on these (checked by hand), but per-test coverage credits agents made once to the first test that ran
  agents ??= { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return agents;
};

/** Errors carry `code` (ECONNREFUSED, ...) and, like fetch's, a `cause` with the same code. */
class TransportError extends Error {
  override name = 'TransportError';
  readonly code: string | undefined;
  constructor(message: string, cause: unknown, code?: string) {
    super(message, { cause });
    this.code = code ?? (cause as { code?: string } | undefined)?.code;
  }
}

/** The whole answer is read before this resolves, so `text()` cannot fail or hang afterwards. */
export const nodeHttpTransport: HttpTransport = (url, request) =>
  new Promise<HttpAnswer>((resolve, reject) => {
    const { signal } = request;
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const secure = url.protocol === 'https:';
    if (!secure && url.protocol !== 'http:') {
      reject(new TransportError(`unsupported protocol ${url.protocol}`, undefined, 'EPROTOCOL'));
      return;
    }
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const options = {
      method: request.method,
      headers: { ...request.headers, ...(body && { 'content-length': String(body.length) }) },
      agent: secure ? agentsFor().https : agentsFor().http,
    };
    let settled = false;
    const fail = (error: unknown) => {
      // Stryker disable next-line ConditionalExpression: a later fail() would only redo no-ops (listener gone, request destroyed, promise settled); its `true` twin, disabled with it, hangs every failure
      if (settled) return;
      // Stryker disable next-line BooleanLiteral: settled only spares a later fail() or 'end' work that is a no-op once the promise is settled
      settled = true;
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      reject(error);
    };
    const onAbort = () => fail(abortError(signal));
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_ANSWER_BYTES) {
          fail(new TransportError(`answer larger than ${MAX_ANSWER_BYTES} bytes`, undefined, 'ETOOLARGE'));
          return;
        }
        chunks.push(chunk);
      });
      // Stryker disable next-line StringLiteral,ArrowFunction,CallExpression: node emits 'aborted' (next line) before an answer's 'error' and none after 'end', so fail() has run; with no listener node drops it
      res.on('error', (error) => fail(new TransportError(error.message, error)));
      res.on('aborted', () => fail(new TransportError('answer cut off', undefined, 'ECONNRESET')));
      res.on('end', () => {
        // Stryker disable next-line ConditionalExpression: an 'end' after fail() would only resolve a rejected promise; its `true` twin, disabled with it, hangs every answer
        if (settled) return;
        // Stryker disable next-line BooleanLiteral: nothing calls fail() after 'end' (abort listener removed, answer complete); it would only redo no-ops
        settled = true;
        signal.removeEventListener('abort', onAbort);
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status, ok: status >= 200 && status < 300, text: async () => text });
      });
    });
    signal.addEventListener('abort', onAbort);
    req.on('error', (error) => fail(new TransportError(error.message, error)));
    req.end(body);
  });

/** fetch's shape: a TimeoutError when the signal timed out, an AbortError otherwise. */
function abortError(signal: AbortSignal): Error {
  const reason = signal.reason as { name?: string } | undefined;
  if (reason instanceof Error) return reason;
  const error = new Error('The operation was aborted.');
  error.name = reason?.name === 'TimeoutError' ? 'TimeoutError' : 'AbortError';
  return error;
}
