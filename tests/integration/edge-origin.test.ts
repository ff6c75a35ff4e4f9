/**
 * The real handlers with the edge on (EDGE_ORIGIN_SECRET set, as serverless.yml does with
 * `edge=cloudfront-waf`): a request that did not come through CloudFront, sent straight to the
 * API's regional domain, is refused 403 `edge_required` before anything is read, written or asked
 * of Conekta; behind it, the per-address limit on new keys counts the viewer's address.
 */
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { EDGE_HEADER, VIEWER_ADDRESS_HEADER } from '../../lib/http/edge.js';
import { setMetricSink } from '../../lib/http/metrics.js';
import { checkWebhookAnswer } from '../support/openapi-check.js';
import { type PagosStack, startPagosStack } from '../support/pagos-stack.js';
import { link } from '../support/requests.js';

const SECRET = randomUUID();
const DOMAIN = 'api.pagos.example.com';
let stack: PagosStack;

beforeAll(async () => {
  stack = await startPagosStack('edge-origin', {
    env: {
      EDGE_ORIGIN_SECRET: SECRET,
      API_DOMAIN_NAME: DOMAIN,
      // One never-seen key per address per minute: enough to tell the addresses apart.
      RATE_LIMIT_NEW_KEYS_PER_SOURCE_PER_MINUTE: '1',
    },
    // The sandbox would post its webhooks without the edge's header; these tests send their own.
    sandbox: { defaultWebhookUrls: [] },
  });
  setMetricSink(() => {});
});
afterAll(() => stack.stop());

const newKey = () => `key_edge_${randomUUID().replaceAll('-', '')}`;
const items = async () =>
  (await stack.client.send(new ScanCommand({ TableName: stack.table, Select: 'COUNT' }))).Count ?? 0;
const conektaCalls = async () =>
  ((await stack.sandboxControl('GET', '/_sandbox/requests')).json.data as unknown[]).length;

describe('POST /pagos with the edge on', () => {
  it.each([
    ['without X-Pagos-Edge', {}],
    ['with a wrong X-Pagos-Edge', { [EDGE_HEADER]: randomUUID() }],
  ])(
    '%s: 403 edge_required naming the edge, nothing written, Conekta never called',
    async (_what, headers) => {
      const [itemsBefore, callsBefore] = [await items(), await conektaCalls()];
      const secret = newKey();
      const answer = await stack.pagos(link(secret, `edge-${randomUUID()}`), { headers });
      expect(answer.status).toBe(403);
      expect(answer.json.error).toEqual({
        code: 'edge_required',
        message: `This address does not serve the API: send requests to https://${DOMAIN}.`,
        details: [],
      });
      expect(answer.headers.get('x-request-id')).toBeTruthy();
      expect(await items()).toBe(itemsBefore);
      expect(await conektaCalls()).toBe(callsBefore);
    },
  );

  it('with the secret: served as usual', async () => {
    const secret = newKey();
    const answer = await stack.pagos(link(secret, 'edge-through'), { headers: { [EDGE_HEADER]: SECRET } });
    expect(answer.status).toBe(200);
    expect(await stack.record(secret, 'edge-through')).toBeDefined();
  });
});

describe('POST /webhooks/conekta with the edge on', () => {
  it('without X-Pagos-Edge: 403 edge_required before the signature is looked at', async () => {
    const itemsBefore = await items();
    const response = await fetch(`${stack.api.url}/webhooks/conekta`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', digest: 'forged' },
      body: JSON.stringify({ id: 'evt_1', type: 'webhook_ping', data: {} }),
    });
    const body = await response.json();
    checkWebhookAnswer({ status: response.status, headers: response.headers, body });
    expect(response.status).toBe(403);
    expect(body).toMatchObject({ error: { code: 'edge_required' } });
    expect(await items()).toBe(itemsBefore);
  });
});

describe('the per-address limit on new keys, behind the edge', () => {
  const fromViewer = (address: string) => ({
    headers: { [EDGE_HEADER]: SECRET, [VIEWER_ADDRESS_HEADER]: address },
  });

  it("counts CloudFront-Viewer-Address's client, not the CloudFront node every request comes from", async () => {
    // The limit counts per minute: a run that straddles a minute's end is run again.
    for (let run = 0; run < 3; run += 1) {
      const minute = Math.floor(Date.now() / 60_000);
      const a = `198.51.100.${run + 1}:40000`;
      const b = `2001:db8::${run + 1}:40001`; // CloudFront writes IPv6 unbracketed
      const first = await stack.pagos(link(newKey(), `edge-a-${run}`), fromViewer(a));
      const again = await stack.pagos(
        link(newKey(), `edge-a2-${run}`),
        fromViewer(`${a.split(':')[0]}:40002`),
      );
      const other = await stack.pagos(link(newKey(), `edge-b-${run}`), fromViewer(b));
      if (Math.floor(Date.now() / 60_000) !== minute) continue;
      expect(first.status).toBe(200);
      expect(again).toMatchObject({
        status: 429,
        json: {
          error: { code: 'rate_limited', message: expect.stringMatching(/not seen from this address/) },
        },
      });
      expect(other.status).toBe(200);
      return;
    }
    throw new Error('every run straddled a minute');
  });
});
