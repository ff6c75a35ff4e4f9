/**
 * The same rows against serverless-offline (`npm start`), where they are cheap to run: it answers
 * differently from the HTTP API (issue 19), which is why gateway-pagos.test.ts uses the stand-in.
 * The Lambda timeout, crash and throttling rows are not here: offline runs serverless.yml's 25 s
 * timeout, has no reserved concurrency and no kill -9 of its workers.
 */
import { randomUUID } from 'node:crypto';
import { sendRaw } from '../support/gateway/client.js';
import { createRequest } from '../support/gateway/pagos.js';
import { type LocalStack, startLocalStack } from '../support/local-stack.js';

const MiB = 1024 * 1024;
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({}, { buildFolder: '.esbuild-gateway-offline' });
}, 120_000);
afterAll(() => stack?.stop(), 20_000);

const newSecret = () => `key_off_${randomUUID().replaceAll('-', '')}`;
const post = (headerLines: Array<[string, string]>, body: string | Buffer) =>
  sendRaw(`${stack.api}/pagos`, 'POST', headerLines, body);

it('no Content-Type: 200 (offline fills in application/json; the HTTP API sends base64 and none)', async () => {
  const answer = await post([], JSON.stringify(createRequest(newSecret(), 'off-no-type')));
  expect(answer.status).toBe(200);
});

it('Content-Type sent twice: 200', async () => {
  const answer = await post(
    [
      ['content-type', 'application/json'],
      ['content-type', 'application/json'],
    ],
    JSON.stringify(createRequest(newSecret(), 'off-twice')),
  );
  expect(answer.status).toBe(200);
});

it('7 MiB reaches the handler: our 413 body_too_large (the HTTP API answers 500 without invoking it)', async () => {
  const body = JSON.stringify(createRequest(newSecret(), 'off-7m', { first_name: 'x'.repeat(7 * MiB) }));
  const answer = await post([['content-type', 'application/json']], body);
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'body_too_large' } });
});

it('no Content-Type, a body that is not JSON: 400 invalid_json', async () => {
  const answer = await post([], 'amount=1000');
  expect(answer.status).toBe(400);
  expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_json' } });
});

it('text/plain: our 415', async () => {
  const answer = await post(
    [['content-type', 'text/plain']],
    JSON.stringify(createRequest(newSecret(), 'off-415')),
  );
  expect(answer.status).toBe(415);
});

it('11 MiB: offline\'s own 413 (hapi\'s shape; the HTTP API answers its {"message"})', async () => {
  const answer = await post([['content-type', 'application/json']], Buffer.alloc(11 * MiB, 'x'));
  expect(answer.status).toBe(413);
  expect(JSON.parse(answer.text)).toEqual({
    statusCode: 413,
    error: 'Request Entity Too Large',
    message: 'Payload content length greater than maximum allowed: 10485760',
  });
});
