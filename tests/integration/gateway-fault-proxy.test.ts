/**
 * tests/support/fault-proxy.ts: pass-through, and a held request released, dropped, answered or
 * abandoned; in front of a small HTTP service and in front of DynamoDB Local with the real SDK.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createTestTable, dynamoEndpoint } from '../support/dynamodb.js';
import { dynamoOperation, type FaultProxy, matches, startFaultProxy } from '../support/fault-proxy.js';

describe('in front of an HTTP service', () => {
  let upstream: Server;
  let proxy: FaultProxy;
  const reached: string[] = [];

  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      reached.push(`${req.method} ${req.url} ${body}`);
      res.writeHead(201, { 'x-upstream': 'yes', 'content-type': 'text/plain' }).end(`got ${body}`);
    });
    await new Promise<void>((ready) => upstream.listen(0, '127.0.0.1', ready));
    proxy = await startFaultProxy(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await proxy.stop();
    upstream.closeAllConnections();
    await new Promise((closed) => upstream.close(closed));
  });
  beforeEach(() => {
    reached.length = 0;
  });

  const post = (path: string, body: string, init: RequestInit = {}) =>
    fetch(`${proxy.url}${path}`, { method: 'POST', body, ...init });

  it('passes requests through untouched: status, headers, body', async () => {
    const response = await post('/a?x=1', 'hello');
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(await response.text()).toBe('got hello');
    expect(reached).toEqual(['POST /a?x=1 hello']);
    expect(proxy.requests().at(-1)).toMatchObject({ method: 'POST', path: '/a?x=1' });
  });

  it('holds the next match until released; it is listed as held meanwhile', async () => {
    const hold = proxy.hold({ path: '/held', bodyIncludes: 'me' });
    const answer = post('/held', 'hold me');
    const held = await hold.caught;
    expect(proxy.held()).toEqual([held]);
    expect(held.body.toString()).toBe('hold me');
    expect(reached).toEqual([]);
    await held.release();
    expect(await (await answer).text()).toBe('got hold me');
    expect(reached).toEqual(['POST /held hold me']);
    expect(proxy.held()).toEqual([]);
  });

  it('only the next match: the one after passes through', async () => {
    const hold = proxy.hold({ path: '/once' });
    const first = post('/once', '1');
    const held = await hold.caught;
    expect(await (await post('/once', '2')).text()).toBe('got 2');
    held.answer(204);
    expect((await first).status).toBe(204);
  });

  it('drops a held request: the connection ends without an answer, the service never sees it', async () => {
    const hold = proxy.hold({ method: 'POST', path: /^\/drop/ });
    const answer = post('/drop-me', 'x');
    (await hold.caught).drop();
    await expect(answer).rejects.toThrow();
    expect(reached).toEqual([]);
  });

  it('answers a held request with a given status and body instead of the service', async () => {
    const hold = proxy.hold({ headers: { 'x-kind': /^fail/ } });
    const answer = post('/any', 'x', { headers: { 'x-kind': 'fail-please' } });
    (await hold.caught).answer(503, '{"busy":true}', { 'content-type': 'application/json' });
    const response = await answer;
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 503,
      body: { busy: true },
    });
    expect(reached).toEqual([]);
  });

  it('a held request whose caller goes away is abandoned and never sent on', async () => {
    const hold = proxy.hold({ path: '/gone' });
    const aborter = new AbortController();
    const answer = post('/gone', 'x', { signal: aborter.signal }).catch(() => 'aborted');
    const held = await hold.caught;
    aborter.abort();
    expect(await answer).toBe('aborted');
    await waitUntil(() => held.abandoned);
    expect(proxy.held()).toEqual([]);
    await held.release();
    expect(reached).toEqual([]);
  });

  it('cancel(): the rule is gone, the match passes through', async () => {
    proxy.hold({ path: '/cancelled' }).cancel();
    expect(await (await post('/cancelled', 'x')).text()).toBe('got x');
  });

  it('matches: every field given must match; a function decides alone', () => {
    const request = { seq: 1, method: 'POST', path: '/p', headers: { 'x-a': '1' }, body: Buffer.from('abc') };
    expect(
      matches({ method: 'post', path: '/p', headers: { 'X-A': '1' }, bodyIncludes: ['a', 'c'] }, request),
    ).toBe(true);
    expect(matches({ method: 'GET' }, request)).toBe(false);
    expect(matches({ bodyIncludes: ['a', 'z'] }, request)).toBe(false);
    expect(matches({ headers: { 'x-b': /./ } }, request)).toBe(false);
    expect(matches((r) => r.seq === 1, request)).toBe(true);
  });
});

describe('in front of DynamoDB Local, with the SDK', () => {
  let proxy: FaultProxy;
  let table: string;
  let db: DynamoDBClient;

  beforeAll(async () => {
    table = await createTestTable('fault-proxy');
    proxy = await startFaultProxy(dynamoEndpoint());
    db = new DynamoDBClient({
      endpoint: proxy.url,
      region: process.env.AWS_REGION ?? 'us-east-1',
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    db.destroy();
    await proxy.stop();
  });

  const item = (pk: string) => ({ pk: { S: pk }, sk: { S: 'x' } });
  const stored = async (pk: string) =>
    (await db.send(new GetItemCommand({ TableName: table, Key: item(pk), ConsistentRead: true }))).Item;

  it('holds a PutItem by its x-amz-target; released, it is written', async () => {
    const hold = proxy.hold(dynamoOperation('PutItem', 'held-put'));
    const put = db.send(new PutItemCommand({ TableName: table, Item: item('held-put') }));
    const held = await hold.caught;
    expect(held.headers['x-amz-target']).toBe('DynamoDB_20120810.PutItem');
    expect(await stored('held-put')).toBeUndefined(); // the GetItem passed through meanwhile
    await held.release();
    await put;
    expect(await stored('held-put')).toEqual(item('held-put'));
  });

  it('a dropped PutItem fails in the SDK and writes nothing', async () => {
    const hold = proxy.hold(dynamoOperation('PutItem', 'dropped-put'));
    const put = db.send(new PutItemCommand({ TableName: table, Item: item('dropped-put') }));
    (await hold.caught).drop();
    await expect(put).rejects.toThrow();
    expect(await stored('dropped-put')).toBeUndefined();
  });

  it('a PutItem answered 500 is a DynamoDB error to the SDK, and writes nothing', async () => {
    const hold = proxy.hold(dynamoOperation('PutItem', 'failed-put'));
    const put = db.send(new PutItemCommand({ TableName: table, Item: item('failed-put') }));
    (await hold.caught).answer(
      500,
      JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }),
      { 'content-type': 'application/x-amz-json-1.0' },
    );
    await expect(put).rejects.toMatchObject({
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 500 },
    });
    expect(await stored('failed-put')).toBeUndefined();
  });
});

async function waitUntil(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
