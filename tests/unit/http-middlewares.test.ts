/**
 * lib/http: the middy middlewares (request id, redactor values, logs, metrics, body limits, JSON
 * body preparation, errors as JSON), the Lambda deadline, and how answers are written and read back.
 */
import type { Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  answerBeforeDeadline,
  DEFAULT_BACKSTOP_MARGIN_MS,
  DEFAULT_DEADLINE_MARGIN_MS,
  deadlineExceeded,
  deadlineFrom,
} from '../../lib/http/deadline.js';
import { createLogger, setLogSink } from '../../lib/http/logger.js';
import { PagosMetrics } from '../../lib/http/metrics.js';
import {
  bodySizeLimit,
  correlationId,
  errorResponder,
  isJsonContentType,
  jsonBodyText,
  observability,
  REQUEST_ID_HEADER,
  requestIdOf,
  requestLog,
  requestMetrics,
  sensitiveValues,
} from '../../lib/http/middlewares.js';
import { summarizeAnswer } from '../../lib/http/outcome.js';
import { redactLine } from '../../lib/http/redact.js';
import {
  errorResponse,
  httpErrorToPagosError,
  internalError,
  jsonResponse,
} from '../../lib/http/responses.js';
import { ErrorCode, PagosError } from '../../lib/payments/errors.js';
import { NUMBER_SOURCE } from '../../lib/payments/fields.js';

const logs: Record<string, unknown>[] = [];
let restore: ReturnType<typeof setLogSink>;
beforeAll(() => {
  restore = setLogSink((line) => logs.push(JSON.parse(line) as Record<string, unknown>));
});
afterAll(() => setLogSink(restore));
beforeEach(() => {
  logs.length = 0;
});

/** An HTTP answer as the middlewares leave it. */
type Answer = { statusCode: number; headers?: Record<string, string>; body: string };
/** A middy request of any event; `response` is what the test reads back. */
type AnyRequest = Omit<Request<unknown, unknown, Error, Context>, 'response'> & {
  response: Answer | object | undefined;
};
const request = (event: unknown, overrides: Partial<AnyRequest> = {}): AnyRequest =>
  ({
    event,
    context: {} as Context,
    response: undefined,
    error: undefined,
    internal: {},
    ...overrides,
  }) as AnyRequest;

const run = async (hook: ((r: AnyRequest) => unknown) | undefined, r: AnyRequest) => {
  if (!hook) throw new Error('no such hook');
  await hook(r);
  return r;
};

const gatewayEvent = (
  body: string | undefined,
  headers: Record<string, string> = {},
  isBase64Encoded = false,
) => ({
  body,
  headers,
  isBase64Encoded,
  requestContext: { requestId: 'gw-req-1' },
});

describe('requestIdOf and correlationId', () => {
  it('takes API Gateway’s request id when it looks like one, else Lambda’s, else a new one', () => {
    expect(
      requestIdOf({ requestContext: { requestId: 'Abc=1:2/3+x-y_z.' } }, { awsRequestId: 'lambda-1' }),
    ).toBe('Abc=1:2/3+x-y_z.');
    expect(requestIdOf({ requestContext: { requestId: 'bad id' } }, { awsRequestId: 'lambda-1' })).toBe(
      'lambda-1',
    );
    expect(
      requestIdOf({ requestContext: { requestId: `a${'b'.repeat(128)}` } }, { awsRequestId: 'lambda-1' }),
    ).toBe('lambda-1');
    expect(requestIdOf({ requestContext: { requestId: 7 } }, { awsRequestId: 'lambda-1' })).toBe('lambda-1');
    expect(requestIdOf(null, undefined)).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf({}, { awsRequestId: '' })).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the id on every log line and on every answer, errors included', async () => {
    const logger = createLogger('test');
    const mw = correlationId(logger);
    const r = await run(mw.before as never, request(gatewayEvent('{}')));
    logger.info('hello');
    expect(logs.at(-1)).toMatchObject({ message: 'hello', correlation_id: 'gw-req-1' });
    r.response = { statusCode: 200, headers: { a: 'b' }, body: '{}' };
    await run(mw.after as never, r);
    expect((r.response as Answer).headers).toEqual({ a: 'b', [REQUEST_ID_HEADER]: 'gw-req-1' });
    const failed = await run(mw.before as never, request({ requestContext: { requestId: 'gw-2' } }));
    failed.response = { statusCode: 500, body: '{}' };
    await run(mw.onError as never, failed);
    expect((failed.response as Answer).headers).toEqual({ 'X-Request-Id': 'gw-2' });
  });

  it('leaves an answer that is no HTTP answer alone', async () => {
    const mw = correlationId(createLogger('test'));
    const r = await run(mw.before as never, request({}));
    r.response = { done: true };
    await run(mw.after as never, r);
    expect(r.response).toEqual({ done: true });
  });

  it('forgets the previous invocation’s keys, and adds Lambda’s context when there is one', async () => {
    const logger = createLogger('test');
    const mw = correlationId(logger);
    await run(mw.before as never, request({}));
    logger.appendKeys({ reference_id: 'previous' });
    await run(
      mw.before as never,
      request(
        {},
        {
          context: {
            awsRequestId: 'lambda-9',
            functionName: 'pagos',
            invokedFunctionArn: 'arn',
            memoryLimitInMB: '256',
            functionVersion: '1',
          } as unknown as Context,
        },
      ),
    );
    logger.info('second');
    expect(logs.at(-1)).not.toHaveProperty('reference_id');
    expect(logs.at(-1)).toMatchObject({
      correlation_id: 'lambda-9',
      function_request_id: 'lambda-9',
      function_name: 'pagos',
    });
  });
});

describe('sensitiveValues', () => {
  const planted = 'Wenceslao';
  const body = JSON.stringify({ first_name: planted, amount: 10 });

  it('teaches the redactor the request’s values before anything logs, and forgets them after', async () => {
    const mw = sensitiveValues({ learnFromBody: true });
    const r = await run(mw.before as never, request(gatewayEvent(body)));
    expect(redactLine(`{"note":"hola ${planted}"}`)).not.toContain(planted);
    await run(mw.after as never, r);
    expect(redactLine(`{"note":"hola ${planted}"}`)).toContain(planted);
    await run(mw.before as never, request(gatewayEvent(body)));
    await run(mw.onError as never, r);
    expect(redactLine(`{"note":"hola ${planted}"}`)).toContain(planted);
  });

  it('reads a base64 body', async () => {
    const mw = sensitiveValues({ learnFromBody: true });
    await run(mw.before as never, request(gatewayEvent(Buffer.from(body).toString('base64'), {}, true)));
    expect(redactLine(`{"note":"${planted}"}`)).not.toContain(planted);
    await run(mw.after as never, request({}));
  });

  it('learns nothing from a body that must be verified first, that is not JSON, or that is too large', async () => {
    for (const [opts, event] of [
      [{ learnFromBody: false }, gatewayEvent(body)],
      [{ learnFromBody: true }, gatewayEvent(`x${body}`)],
      [{ learnFromBody: true }, gatewayEvent(`{${body}`)],
      [{ learnFromBody: true }, gatewayEvent(`${body.slice(0, -1)},"pad":"${'x'.repeat(512 * 1024)}"}`)],
      [{ learnFromBody: true }, { body: 5 }],
      [{ learnFromBody: true }, undefined],
    ] as const) {
      const mw = sensitiveValues(opts);
      await run(mw.before as never, request(event));
      expect(redactLine(`{"note":"${planted}"}`)).toContain(planted);
    }
  });

  it('learns from a JSON array, and from a body with leading white space', async () => {
    const mw = sensitiveValues({ learnFromBody: true });
    await run(mw.before as never, request(gatewayEvent(`  [${body}]`)));
    expect(redactLine(`{"note":"${planted}"}`)).not.toContain(planted);
    await run(mw.after as never, request({}));
  });

  it('forgets the previous request’s values when a new one starts', async () => {
    await run(sensitiveValues({ learnFromBody: true }).before as never, request(gatewayEvent(body)));
    await run(sensitiveValues({ learnFromBody: false }).before as never, request(gatewayEvent(body)));
    expect(redactLine(`{"note":"${planted}"}`)).toContain(planted);
  });
});

describe('requestLog', () => {
  it('logs the request at debug and one "request done" line with status, outcome and latency', async () => {
    const mw = requestLog(createLogger('test', 'DEBUG'));
    const r = await run(
      mw.before as never,
      request(gatewayEvent('{"a":1}', { 'content-type': `application/json${' '.repeat(200)}` })),
    );
    expect(logs.at(-1)).toMatchObject({
      level: 'DEBUG',
      message: 'request received',
      bytes: 7,
      content_type: `application/json${' '.repeat(84)}`,
    });
    r.response = jsonResponse(409, { error: { code: 'reference_conflict' } });
    await run(mw.after as never, r);
    expect(logs.at(-1)).toMatchObject({
      level: 'INFO',
      message: 'request done',
      status: 409,
      outcome: 'reference_conflict',
      ms: expect.any(Number),
    });
    expect(logs.at(-1)!.ms as number).toBeGreaterThanOrEqual(0);
  });

  it('logs a 5xx answer as an error, and an event without body or headers', async () => {
    const mw = requestLog(createLogger('test', 'DEBUG'));
    const r = await run(mw.before as never, request(undefined));
    expect(logs.at(-1)).toMatchObject({ bytes: 0 });
    expect(logs.at(-1)!.content_type ?? '').toBe('');
    r.response = jsonResponse(502, { error: { code: 'provider_unavailable' } });
    await run(mw.onError as never, r);
    expect(logs.at(-1)).toMatchObject({ level: 'ERROR', message: 'request done', status: 502 });
    const done = requestLog(createLogger('test'));
    await run(done.after as never, request({}, { response: jsonResponse(500, {}) }));
    expect(logs.at(-1)).toMatchObject({ level: 'ERROR', status: 500, ms: 0 });
  });
});

describe('requestMetrics and observability', () => {
  const lines: string[] = [];
  const metrics = () => new PagosMetrics({ stage: 'test', sink: (line) => lines.push(line) });

  it('counts what the answer says, then publishes every metric of the request once', async () => {
    lines.length = 0;
    const m = metrics();
    m.count('Earlier');
    const mw = requestMetrics(m, (answer) => [
      { name: 'Answers', dimensions: { outcome: answer.outcome } },
      { name: 'Plain' },
    ]);
    await run(mw.after as never, request({}, { response: jsonResponse(200, { outcome: 'applied' }) }));
    const emf = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf).toEqual([expect.objectContaining({ Answers: 1, outcome: 'applied', Earlier: 1, Plain: 1 })]);
    lines.length = 0;
    await run(requestMetrics(m).onError as never, request({}, { response: jsonResponse(500, {}) }));
    expect(lines).toEqual([]);
  });

  it('orders the stack: correlation id, redactor values, metrics, request log', () => {
    const stack = observability(createLogger('test'), metrics(), () => []);
    expect(stack).toHaveLength(4);
    expect(stack.map((m) => Object.keys(m).sort())).toEqual([
      ['after', 'before', 'onError'],
      ['after', 'before', 'onError'],
      ['after', 'onError'],
      ['after', 'before', 'onError'],
    ]);
  });
});

describe('bodySizeLimit', () => {
  const limit = bodySizeLimit(10);
  const sized = (body: string | undefined | null, isBase64Encoded = false) =>
    (limit.before as (r: AnyRequest) => void)(request({ body, isBase64Encoded }));

  it('accepts a body up to the limit, counted in UTF-8 bytes', () => {
    expect(() => sized('0123456789')).not.toThrow();
    expect(() => sized(undefined)).not.toThrow();
    expect(() => sized(null)).not.toThrow();
    expect(() => sized('ééééé')).not.toThrow();
  });

  it('counts a base64 body by the bytes it decodes to, padding not included', () => {
    const base64 = (bytes: number) => Buffer.alloc(bytes, 'a').toString('base64');
    // 10 and 11 bytes encode with padding ("==" and "="): a body at the limit is still accepted.
    expect(() => sized(base64(10), true)).not.toThrow();
    expect(() => sized(base64(9), true)).not.toThrow();
    expect(() => sized(base64(11), true)).toThrow('The request body is 11 bytes; the limit is 10 bytes.');
    expect(() => sized(base64(12), true)).toThrow('12 bytes');
    // The service's own limit: 16 KiB arrives base64 when sent without a content type.
    const pagos = bodySizeLimit(16 * 1024).before as (r: AnyRequest) => void;
    expect(() => pagos(request({ body: base64(16 * 1024), isBase64Encoded: true }))).not.toThrow();
    expect(() => pagos(request({ body: base64(16 * 1024 + 1), isBase64Encoded: true }))).toThrow(
      '16385 bytes',
    );
  });

  it('refuses a larger body with 413, naming both sizes', () => {
    expect(() => sized('01234567890')).toThrow('The request body is 11 bytes; the limit is 10 bytes.');
    expect(() => sized('éééééé')).toThrow('12 bytes');
    try {
      sized('01234567890');
    } catch (error) {
      expect(error).toMatchObject({ status: 413, code: 'body_too_large' });
    }
  });
});

describe('errorResponder', () => {
  const respond = async (error: unknown) => {
    const r = request({}, { error: error as Error });
    await run(errorResponder(createLogger('test')).onError as never, r);
    const response = r.response as Answer;
    return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers };
  };

  it('answers a PagosError as it says, with its headers', async () => {
    const answer = await respond(
      new PagosError({
        status: 409,
        code: ErrorCode.requestInProgress,
        message: 'wait',
        headers: { 'Retry-After': '2' },
      }),
    );
    expect(answer).toEqual({
      status: 409,
      body: { error: { code: 'request_in_progress', message: 'wait', details: [] } },
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'Retry-After': '2',
      },
    });
    expect(logs).toEqual([]);
  });

  it('logs a 5xx PagosError’s cause for the operator', async () => {
    await respond(
      new PagosError({
        status: 502,
        code: ErrorCode.providerUnavailable,
        message: 'x',
        cause: new Error('socket'),
      }),
    );
    expect(logs).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'request failed', code: 'provider_unavailable' }),
    ]);
  });

  it('answers middy’s own errors in Pagos’s shape, never logging their raw body', async () => {
    expect(
      (await respond({ statusCode: 415, message: 'x', cause: { data: 'secret body' } })).body.error.code,
    ).toBe('unsupported_media_type');
    expect((await respond({ statusCode: 422 })).status).toBe(400);
    expect(logs).toEqual([]);
  });

  it('answers anything else as a plain 500 that reveals nothing, and logs it', async () => {
    const answer = await respond(new TypeError('cannot read x of undefined'));
    expect(answer).toMatchObject({
      status: 500,
      body: {
        error: {
          code: 'internal_error',
          message: 'Internal error. Nothing was charged twice; try again later.',
          details: [],
        },
      },
    });
    expect(logs).toEqual([expect.objectContaining({ level: 'ERROR', message: 'unhandled error' })]);
  });
});

describe('isJsonContentType', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['  ', true],
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    ['application/vnd.api+json', true],
    ['application/json,application/json', true],
    ['application/json, application/merge-patch+json', true],
    ['application/json; foo="a,b"', true],
    ['text/plain', false],
    ['application/json, text/plain', false],
    ['application/jsonx', false],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    [',', false],
  ])('%p is JSON: %p', (contentType, json) => {
    expect(isJsonContentType(contentType)).toBe(json);
  });
});

describe('jsonBodyText', () => {
  const prepare = (body: unknown, headers: Record<string, string> = {}, isBase64Encoded = false) => {
    const event = { body, headers, isBase64Encoded } as {
      body: unknown;
      headers: Record<string, string>;
      isBase64Encoded: boolean;
    };
    (jsonBodyText().before as (r: AnyRequest) => void)(request(event));
    return event;
  };

  it('names a JSON body without a usable content type application/json for the parser', () => {
    expect(prepare('{}').headers['content-type']).toBe('application/json');
    expect(
      prepare('{}', { 'content-type': 'application/json,application/json' }).headers['content-type'],
    ).toBe('application/json');
    expect(prepare('{}', { 'content-type': 'application/json; charset=utf-8' }).headers).toEqual({
      'content-type': 'application/json; charset=utf-8',
    });
    expect(prepare('{}', { 'Content-Type': 'application/json' }).headers).toEqual({
      'Content-Type': 'application/json',
    });
  });

  it('leaves a body of another type to the parser’s 415', () => {
    const event = prepare(Buffer.from('a=1').toString('base64'), { 'content-type': 'text/plain' }, true);
    expect(event).toEqual({
      body: Buffer.from('a=1').toString('base64'),
      headers: { 'content-type': 'text/plain' },
      isBase64Encoded: true,
    });
  });

  it('decodes a base64 body that is valid UTF-8, and refuses one that is not', () => {
    expect(prepare(Buffer.from('{"a":"é"}').toString('base64'), {}, true)).toMatchObject({
      body: '{"a":"é"}',
      isBase64Encoded: false,
    });
    expect(() => prepare(Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), {}, true)).toThrow(
      expect.objectContaining({
        status: 400,
        code: 'invalid_json',
        message: 'The request body is not valid JSON.',
      }),
    );
    // A byte order mark is kept, so JSON.parse refuses it like a text body's.
    expect(prepare(Buffer.from('\ufeff{}').toString('base64'), {}, true).body).toBe('\ufeff{}');
  });

  it('marks numbers whose text is not the number JavaScript reads back, keeping their source', () => {
    const { body } = prepare('{"amount":1000.50,"n":1e3,"ok":10.5,"big":10.0000000000000001,"list":[1.10]}');
    expect(JSON.parse(body as string)).toEqual({
      amount: { [NUMBER_SOURCE]: '1000.50' },
      n: { [NUMBER_SOURCE]: '1e3' },
      ok: 10.5,
      big: { [NUMBER_SOURCE]: '10.0000000000000001' },
      list: [{ [NUMBER_SOURCE]: '1.10' }],
    });
  });

  it('leaves a body alone when every number reads back as written, or it is not JSON', () => {
    for (const body of ['{"amount":1000,"x":"1.50e3"}', '{"amount":10.5}', '{"amount":1.5e', undefined]) {
      expect(prepare(body).body).toBe(body);
    }
    expect(prepare('{"a":"v1.2"}').body).toBe('{"a":"v1.2"}');
  });
});

describe('the Lambda deadline', () => {
  it('deadlineFrom: now + remaining - margin; nothing without a Lambda context', () => {
    expect(deadlineFrom({ getRemainingTimeInMillis: () => 10_000 }, 1_500, 1_000)).toBe(9_500);
    expect(deadlineFrom({ getRemainingTimeInMillis: () => 10_000 }, undefined, 0)).toBe(
      10_000 - DEFAULT_DEADLINE_MARGIN_MS,
    );
    expect(deadlineFrom(undefined)).toBeUndefined();
    expect(deadlineFrom({})).toBeUndefined();
    expect(deadlineFrom({ getRemainingTimeInMillis: () => Number.NaN })).toBeUndefined();
    const before = Date.now();
    expect(deadlineFrom({ getRemainingTimeInMillis: () => 10_000 }, 0)).toBeGreaterThanOrEqual(
      before + 10_000,
    );
  });

  it('answers a retry-safe 504 before Lambda’s own timeout', () => {
    expect(deadlineExceeded()).toMatchObject({
      status: 504,
      code: 'provider_timeout',
      message: 'The payment could not be finished in time. Sending the same request again is safe.',
      provider: { name: 'conekta', retry_safe: true },
    });
    expect(deadlineExceeded('fake').provider).toEqual({ name: 'fake', retry_safe: true });
    const early = answerBeforeDeadline();
    expect(early.timeoutEarlyInMillis).toBe(DEFAULT_BACKSTOP_MARGIN_MS);
    expect(JSON.parse(early.timeoutEarlyResponse().body).error).toMatchObject({
      code: 'provider_timeout',
      provider: { name: 'conekta' },
    });
    const custom = answerBeforeDeadline({ marginMs: 300, provider: 'fake' });
    expect(custom.timeoutEarlyInMillis).toBe(300);
    expect(custom.timeoutEarlyResponse().statusCode).toBe(504);
    expect(JSON.parse(custom.timeoutEarlyResponse().body).error.provider.name).toBe('fake');
  });
});

describe('responses and what they say', () => {
  it('jsonResponse: JSON, never cached, extra headers kept', () => {
    expect(jsonResponse(201, { a: 1 }, { 'x-y': 'z' })).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-y': 'z' },
      body: '{"a":1}',
    });
  });

  it('errorResponse: the error shape, the provider part only when there is one', () => {
    const plain = errorResponse(
      new PagosError({
        status: 400,
        code: ErrorCode.invalidRequest,
        message: 'm',
        details: [{ field: 'f', message: 'x' }],
      }),
    );
    expect(JSON.parse(plain.body)).toEqual({
      error: { code: 'invalid_request', message: 'm', details: [{ field: 'f', message: 'x' }] },
    });
    const provider = errorResponse(
      new PagosError({
        status: 502,
        code: ErrorCode.providerUnavailable,
        message: 'm',
        provider: { name: 'conekta', retry_safe: true },
      }),
    );
    expect(JSON.parse(provider.body).error.provider).toEqual({ name: 'conekta', retry_safe: true });
  });

  it('httpErrorToPagosError: middy’s 413 and 415 keep their meaning, other 4xx are bad JSON, the rest internal', () => {
    expect(httpErrorToPagosError({ statusCode: 413, message: 'too big' })).toMatchObject({
      status: 413,
      code: 'body_too_large',
      message: 'too big',
    });
    expect(httpErrorToPagosError({ statusCode: 413 }).message).toBe('The request body is too large.');
    expect(httpErrorToPagosError({ statusCode: 415 })).toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
      message: 'Send the request body as JSON with the header Content-Type: application/json.',
    });
    for (const status of [400, 422, 499])
      expect(httpErrorToPagosError({ statusCode: status })).toMatchObject({
        status: 400,
        code: 'invalid_json',
      });
    for (const status of [399, 500, 503])
      expect(httpErrorToPagosError({ statusCode: status })).toMatchObject(internalError());
    expect(internalError()).toMatchObject({ status: 500, code: 'internal_error' });
  });

  it('summarizeAnswer: status, outcome and, for the provider’s errors, its status', () => {
    expect(summarizeAnswer(jsonResponse(200, { id: 'ord_1' }))).toEqual({ status: 200, outcome: 'ok' });
    expect(summarizeAnswer(jsonResponse(200, { outcome: 'applied' }))).toEqual({
      status: 200,
      outcome: 'applied',
    });
    expect(summarizeAnswer(jsonResponse(404, { error: { code: 'unknown_reference' } }))).toEqual({
      status: 404,
      outcome: 'unknown_reference',
    });
    expect(summarizeAnswer(jsonResponse(500, 'x'))).toEqual({ status: 500, outcome: 'error' });
    expect(summarizeAnswer({ statusCode: 400, body: 'not json' })).toEqual({ status: 400, outcome: 'error' });
    expect(summarizeAnswer({ statusCode: 399 })).toEqual({ status: 399, outcome: 'ok' });
    expect(summarizeAnswer(undefined)).toEqual({ status: 500, outcome: 'error' });
    expect(
      summarizeAnswer(
        jsonResponse(422, { error: { code: 'provider_validation_error', provider: { status: 422 } } }),
      ),
    ).toEqual({
      status: 422,
      outcome: 'provider_validation_error',
      providerStatus: '422',
    });
    expect(
      summarizeAnswer(jsonResponse(504, { error: { code: 'provider_timeout', provider: {} } }))
        .providerStatus,
    ).toBe('timeout');
    expect(
      summarizeAnswer(jsonResponse(502, { error: { code: 'provider_unavailable', provider: {} } }))
        .providerStatus,
    ).toBe('network');
    expect(summarizeAnswer(jsonResponse(502, { error: { code: 'x', provider: 'conekta' } }))).toEqual({
      status: 502,
      outcome: 'x',
    });
    // A large body is an order: nothing more to read in it.
    const large = { statusCode: 200, body: JSON.stringify({ outcome: 'x', pad: 'p'.repeat(64 * 1024) }) };
    expect(summarizeAnswer(large)).toEqual({ status: 200, outcome: 'ok' });
  });
});
