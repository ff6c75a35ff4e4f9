/**
 * lib/http/edge.ts: with the edge on, a request must carry CloudFront's `X-Pagos-Edge` secret or
 * it is refused 403 `edge_required` before the handler runs; with it off, nothing is checked.
 * The client's address comes from `CloudFront-Viewer-Address` only on a verified request.
 */
import { timingSafeEqual } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  clientAddress,
  EDGE_HEADER,
  edgeOrigin,
  edgeSettings,
  matchesSecret,
  VIEWER_ADDRESS_HEADER,
  viewerIp,
} from '../../lib/http/edge.js';
import { createLogger } from '../../lib/http/logger.js';
import { errorResponder } from '../../lib/http/middlewares.js';
import { jsonResponse } from '../../lib/http/responses.js';
import { apiGatewayEvent, lambdaContext } from '../support/lambda-http.js';
import { checkPagosAnswer } from '../support/openapi-check.js';

const SECRET = '1c2fa620-982a-11e3-aff7-50e2416294e0';
const DOMAIN = 'api.pagos.example.com';

function handlerWith(secret: string) {
  const reached: APIGatewayProxyEventV2[] = [];
  const addresses: string[] = [];
  const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
    .use(errorResponder(createLogger('test', 'silent')))
    .use(edgeOrigin({ secret, domainName: DOMAIN }))
    .handler(async (event) => {
      reached.push(event);
      addresses.push(clientAddress(event));
      return jsonResponse(200, { ok: true });
    });
  const call = async (headers: Record<string, string> = {}) =>
    (await handler(
      apiGatewayEvent(
        'POST',
        '/pagos',
        { 'content-type': 'application/json', ...headers },
        Buffer.from('{}'),
      ),
      lambdaContext(),
    )) as { statusCode: number; headers: Record<string, string>; body: string };
  return { call, reached, addresses };
}

const refused = (answer: { statusCode: number; body: string }) => {
  expect(answer.statusCode).toBe(403);
  const body = JSON.parse(answer.body);
  expect(body).toEqual({
    error: {
      code: 'edge_required',
      message: `This address does not serve the API: send requests to https://${DOMAIN}.`,
      details: [],
    },
  });
};

describe('edgeOrigin, edge on', () => {
  it('refuses a request without the header: 403 edge_required, in the documented shape, handler never runs', async () => {
    const { call, reached } = handlerWith(SECRET);
    const answer = await call();
    refused(answer);
    expect(reached).toEqual([]);
    checkPagosAnswer({
      request: { action: 'create' },
      status: answer.statusCode,
      headers: { ...answer.headers, 'x-request-id': 'req-1' },
      body: answer.body,
    });
  });

  it.each([
    ['another value of the same length', SECRET.replace(/.$/, 'f')],
    ['a prefix', SECRET.slice(0, 8)],
    ['a longer value', `${SECRET}0`],
    ['the empty string', ''],
    ['another case', SECRET.toUpperCase()],
  ])('refuses a wrong value: %s', async (_what, value) => {
    const { call, reached } = handlerWith(SECRET);
    refused(await call({ [EDGE_HEADER]: value }));
    expect(reached).toEqual([]);
  });

  it('lets the right value through to the handler', async () => {
    const { call, reached } = handlerWith(SECRET);
    const answer = await call({ [EDGE_HEADER]: SECRET });
    expect(answer.statusCode).toBe(200);
    expect(reached).toHaveLength(1);
  });
});

describe('edgeOrigin, edge off', () => {
  it('checks nothing when the secret is empty: with or without the header', async () => {
    const { call, reached } = handlerWith('');
    expect((await call()).statusCode).toBe(200);
    expect((await call({ [EDGE_HEADER]: 'anything' })).statusCode).toBe(200);
    expect(reached).toHaveLength(2);
  });

  it('reads the settings serverless.yml gives: empty (off) when unset', () => {
    expect(edgeSettings({})).toEqual({ secret: '', domainName: '' });
    expect(edgeSettings({ EDGE_ORIGIN_SECRET: SECRET, API_DOMAIN_NAME: DOMAIN })).toEqual({
      secret: SECRET,
      domainName: DOMAIN,
    });
  });
});

describe('matchesSecret', () => {
  it('compares in constant time: every value, of any length, is one timingSafeEqual of two 32-byte buffers', () => {
    const calls: [number, number][] = [];
    const equal = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([a.byteLength, b.byteLength]);
      return timingSafeEqual(a, b);
    };
    expect(matchesSecret(SECRET, SECRET, equal)).toBe(true);
    for (const wrong of ['', 'x', SECRET.slice(1), `${SECRET}x`, SECRET.replace(/^./, '2')])
      expect(matchesSecret(wrong, SECRET, equal)).toBe(false);
    expect(calls).toEqual(Array.from({ length: 6 }, () => [32, 32]));
  });
});

describe('the client address', () => {
  const viewer = (address: string) => ({ [VIEWER_ADDRESS_HEADER]: address });

  it('behind the edge, verified: the viewer CloudFront saw, IPv4 or IPv6, without the port', async () => {
    const { call, addresses } = handlerWith(SECRET);
    await call({ [EDGE_HEADER]: SECRET, ...viewer('198.51.100.10:46532') });
    await call({ [EDGE_HEADER]: SECRET, ...viewer('2001:db8::8a2e:370:7334:46532') });
    await call({ [EDGE_HEADER]: SECRET, ...viewer('[2001:db8::1]:443') });
    expect(addresses).toEqual(['198.51.100.10', '2001:db8::8a2e:370:7334', '2001:db8::1']);
  });

  it('verified but the header is missing or unreadable: the connection address', async () => {
    const { call, addresses } = handlerWith(SECRET);
    await call({ [EDGE_HEADER]: SECRET });
    await call({ [EDGE_HEADER]: SECRET, ...viewer('198.51.100.10') });
    await call({ [EDGE_HEADER]: SECRET, ...viewer('198.51.100.10:1,203.0.113.7:2') });
    await call({ [EDGE_HEADER]: SECRET, ...viewer('not-an-ip:443') });
    expect(addresses).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it("the edge off: the header is anyone's to send, so it is never believed", async () => {
    const { call, addresses } = handlerWith('');
    await call(viewer('198.51.100.10:46532'));
    await call({ [EDGE_HEADER]: SECRET, ...viewer('198.51.100.10:46532') });
    expect(addresses).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  it('an event no edge check has seen: its connection address', () => {
    const event = apiGatewayEvent('POST', '/pagos', viewer('198.51.100.10:46532'), Buffer.alloc(0));
    expect(clientAddress(event)).toBe('127.0.0.1');
    expect(clientAddress({ headers: {}, requestContext: {} as never })).toBe('unknown');
  });

  it.each([
    ['198.51.100.10:46532', '198.51.100.10'],
    ['2001:db8::1:443', '2001:db8::1'],
    ['::1:80', '::1'],
    [' 203.0.113.7:1 ', '203.0.113.7'],
    ['198.51.100.10', undefined],
    ['198.51.100.10:', undefined],
    ['198.51.100.10:port', undefined],
    [':443', undefined],
    ['999.1.1.1:443', undefined],
    ['', undefined],
  ])('viewerIp(%j) is %j', (value, ip) => {
    expect(viewerIp(value)).toBe(ip);
  });
});
