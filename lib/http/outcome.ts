/** What an answer says, for the request log line and the metrics: read back from the JSON body. */

export type AnswerSummary = {
  status: number;
  /** The error code, the webhook outcome (`applied`, `stale`, ...), or `ok`. */
  outcome: string;
  /** For errors Conekta caused: its HTTP status, or `timeout` / `network` when it never answered. */
  providerStatus?: string;
};

type Body = { error?: { code?: unknown; provider?: { status?: unknown } }; outcome?: unknown };

export function summarizeAnswer(response: unknown): AnswerSummary {
  const r = response as { statusCode?: unknown; body?: unknown } | null | undefined;
  const status = typeof r?.statusCode === 'number' ? r.statusCode : 500;
  let body: Body | undefined;
  // Error and webhook answers are small; a large body is an order, which says nothing more here.
  if (typeof r?.body === 'string' && r.body.length <= 64 * 1024) {
    try {
      body = JSON.parse(r.body) as Body;
    } catch {
      body = undefined;
    }
  }
  const code = body?.error?.code;
  const outcome =
    typeof code === 'string'
      ? code
      : typeof body?.outcome === 'string'
        ? body.outcome
        : status < 400
          ? 'ok'
          : 'error';
  const provider = body?.error?.provider;
  if (!provider || typeof provider !== 'object') return { status, outcome };
  const providerStatus =
    typeof provider.status === 'number' ? String(provider.status) : status === 504 ? 'timeout' : 'network';
  return { status, outcome, providerStatus };
}
