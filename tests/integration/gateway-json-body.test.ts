/**
 * jsonBodyText() with bodies as API Gateway delivers them: no content type (base64), repeated
 * content types joined with commas (as text or base64), parameters; the middleware chain of
 * functions/pagos.ts from jsonBodyText on (the parser and the error shape).
 */
import middy from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createLogger } from '../../lib/http/logger.js';
import { errorResponder, isJsonContentType, jsonBodyText } from '../../lib/http/middlewares.js';
import { NUMBER_SOURCE } from '../../lib/payments/fields.js';

const parsed = middy<APIGatewayProxyEventV2, unknown>()
  .use(errorResponder(createLogger('test', 'silent')))
  .use(jsonBodyText())
  .use(httpJsonBodyParser())
  .handler(async (event) => ({ statusCode: 200, body: (event as unknown as { body: unknown }).body }));

type Answer = { statusCode: number; body: unknown };

const call = (body: string | undefined, contentType: string | undefined, base64: boolean) =>
  parsed(
    {
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      ...(body !== undefined && { body: base64 ? Buffer.from(body).toString('base64') : body }),
      isBase64Encoded: base64 && body !== undefined,
    } as unknown as APIGatewayProxyEventV2,
    {} as never,
  ) as Promise<Answer>;

const errorCode = (answer: Answer) => JSON.parse(answer.body as string).error.code;

describe('isJsonContentType', () => {
  it.each([
    [undefined, true],
    ['', true],
    ['  ', true],
    ['application/json', true],
    ['APPLICATION/JSON', true],
    ['application/json; charset=utf-8', true],
    ['application/json,application/json', true],
    ['application/json, application/json;charset=UTF-8', true],
    ['application/vnd.api+json', true],
    ['application/json; x="a,b"', true],
    ['text/plain', false],
    ['text/json', false],
    ['application/x-www-form-urlencoded', false],
    ['application/jsonx', false],
    ['application/json,text/plain', false],
    ['multipart/form-data; boundary=x', false],
    [',', false],
  ])('%p: %p', (contentType, json) => {
    expect(isJsonContentType(contentType)).toBe(json);
  });
});

describe('bodies as the gateway delivers them', () => {
  const order = '{"action":"create","amount":1000}';

  it.each([
    ['no content type, base64 (what the gateway sends)', undefined, true],
    ['no content type, text', undefined, false],
    ['empty content type, base64', '', true],
    ['joined repeats, base64', 'application/json,application/json', true],
    ['joined repeats, text', 'application/json,application/json', false],
    ['charset, text', 'application/json; charset=utf-8', false],
  ])('%s: parsed as JSON', async (_, contentType, base64) => {
    const answer = await call(order, contentType, base64);
    expect(answer).toEqual({ statusCode: 200, body: { action: 'create', amount: 1000 } });
  });

  it('no content type and a body that is not JSON: 400 invalid_json', async () => {
    const answer = await call('amount=1000', undefined, true);
    expect({ status: answer.statusCode, code: errorCode(answer) }).toEqual({
      status: 400,
      code: 'invalid_json',
    });
  });

  it('no content type and no body: 400 invalid_json', async () => {
    const answer = await call(undefined, undefined, false);
    expect({ status: answer.statusCode, code: errorCode(answer) }).toEqual({
      status: 400,
      code: 'invalid_json',
    });
  });

  it('no content type, base64 that is not UTF-8: 400 invalid_json (strict, as before)', async () => {
    const answer = (await parsed(
      {
        headers: {},
        body: Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'),
        isBase64Encoded: true,
      } as unknown as APIGatewayProxyEventV2,
      {} as never,
    )) as Answer;
    expect({ status: answer.statusCode, code: errorCode(answer) }).toEqual({
      status: 400,
      code: 'invalid_json',
    });
  });

  it('no content type: an exponent number is still marked, not read as a number', async () => {
    const answer = await call('{"amount":1e3}', undefined, true);
    expect(answer.body).toEqual({ amount: { [NUMBER_SOURCE]: '1e3' } });
  });

  it.each([
    ['text/plain', false],
    ['application/x-www-form-urlencoded', true],
    ['application/json,text/plain', false],
  ])('%s: 415 unsupported_media_type', async (contentType, base64) => {
    const answer = await call(order, contentType, base64);
    expect({ status: answer.statusCode, code: errorCode(answer) }).toEqual({
      status: 415,
      code: 'unsupported_media_type',
    });
  });
});
