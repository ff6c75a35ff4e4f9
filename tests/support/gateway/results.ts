/**
 * How API Gateway HTTP API turns a Lambda result into the HTTP answer, payload format 2.0
 * ("Lambda function response for format 2.0", docs/gateway.md).
 */

export type HttpAnswer = { status: number; headers: Array<[string, string]>; body: Buffer };

type CustomResult = {
  statusCode: unknown;
  headers?: unknown;
  cookies?: unknown;
  body?: unknown;
  isBase64Encoded?: unknown;
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A result with a `statusCode` is taken as the answer; anything else that is JSON is the body of a
 * 200 with `content-type: application/json`. Undefined when the result cannot be an answer (the
 * gateway then answers 500).
 */
export function answerFromResult(result: unknown): HttpAnswer | undefined {
  if (isObject(result) && 'statusCode' in result) return customAnswer(result as CustomResult);
  // A handler that returns nothing: the Node runtime sends JSON null.
  const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
  return { status: 200, headers: [['content-type', 'application/json']], body: Buffer.from(body, 'utf8') };
}

function customAnswer(result: CustomResult): HttpAnswer | undefined {
  const status = result.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)
    return undefined;
  const headers: Array<[string, string]> = [];
  if (result.headers !== undefined) {
    if (!isObject(result.headers)) return undefined;
    for (const [name, value] of Object.entries(result.headers)) {
      if (value === null || typeof value === 'object') return undefined;
      headers.push([name.toLowerCase(), String(value)]);
    }
  }
  if (result.cookies !== undefined) {
    if (!Array.isArray(result.cookies) || !result.cookies.every((c) => typeof c === 'string'))
      return undefined;
    for (const cookie of result.cookies) headers.push(['set-cookie', cookie]);
  }
  if (result.body !== undefined && typeof result.body !== 'string') return undefined;
  const text = result.body ?? '';
  const body = result.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  return { status, headers, body };
}
