/**
 * Issue 14 over HTTP: the merchant is the Conekta company (in test or live mode), so a rotated
 * key keeps every payment; refused keys and strangers cost no Conekta call and no other
 * merchant's capacity; look-alike references are one payment or refused.
 */
import { randomUUID } from 'node:crypto';
import { type PagosStack, startPagosStack } from '../support/pagos-stack.js';
import { link, newSecret } from '../support/requests.js';

let stack: PagosStack;
beforeAll(async () => {
  stack = await startPagosStack('tenancy', {
    // The per-source limit for unseen keys has its own file (tenancy-strangers): every test here uses new keys.
    env: { RATE_LIMIT_PER_KEY_PER_MINUTE: '8' },
  });
});
afterAll(() => stack.stop());
afterEach(() => stack.sandboxControl('DELETE', '/_sandbox/requests'));

const act = (action: string, secret: string, reference: string, extra: Record<string, unknown> = {}) => ({
  provider: 'conekta',
  action,
  secret,
  reference_id: reference,
  ...extra,
});
const calls = async (operation: string) =>
  ((await stack.sandboxControl('GET', `/_sandbox/requests?operation=${operation}`)).json.data as unknown[])
    .length;
const addKey = (key: string, sameCompanyAs: string, livemode = false) =>
  stack.sandboxControl('POST', '/_sandbox/keys', { key, same_company_as: sameCompanyAs, livemode });

describe('merchant identity is the Conekta company', () => {
  it('after a key rotation, status, refund and cancel of earlier payments work, and create replays (one order)', async () => {
    const oldKey = newSecret();
    const created = await stack.pagos(link(oldKey, 'rot-1'));
    const paid = await stack.pagos(link(oldKey, 'rot-2'));
    await stack.sandboxControl('POST', `/_sandbox/orders/${paid.json.id}/pay_card`);
    const merchant = await stack.merchant(oldKey);
    const newKey = newSecret();
    expect((await addKey(newKey, oldKey)).status).toBe(200);
    await stack.sandboxControl('DELETE', `/_sandbox/keys/${oldKey}`);

    expect(await stack.merchant(newKey)).toBe(merchant);
    const replay = await stack.pagos(link(newKey, 'rot-1'));
    expect(replay).toMatchObject({ status: 200, json: { id: created.json.id } });
    expect(await stack.sandboxOrders(newKey, 'rot-1')).toHaveLength(1);
    expect((await stack.pagos(act('status', newKey, 'rot-2'))).json.payment.status).toBe('paid');
    expect((await stack.pagos(act('refund', newKey, 'rot-2', { amount: 10 }))).status).toBe(200);
    expect((await stack.pagos(act('cancel', newKey, 'rot-1'))).json.payment_status).toBe('canceled');
    // The old key still resolves from what Pagos remembers until Conekta refuses it for a new
    // function instance: the payments were always the company's, not the key's.
    expect([200, 401]).toContain((await stack.pagos(act('status', oldKey, 'rot-1'))).status);
  });

  it('a company’s live key and test key keep their payments apart', async () => {
    const testKey = newSecret();
    // Real keys differ from their first characters on (the api_keys prefix tells the mode).
    const liveKey = `key_LIVE${randomUUID().replaceAll('-', '')}`;
    await addKey(liveKey, testKey, true);
    const inTest = await stack.pagos(link(testKey, 'mode-1'));
    const inLive = await stack.pagos(link(liveKey, 'mode-1', { amount: 5 }));
    expect(inLive.status).toBe(200);
    expect(inLive.json.id).not.toBe(inTest.json.id);
    expect(inLive.json.livemode).toBe(true);
    expect(inLive.json.metadata.pagos_merchant).toMatch(/:live$/);
    expect(inTest.json.metadata.pagos_merchant).toMatch(/:test$/);
  });

  it('resolves a key once: a warm request asks Conekta nothing but the order', async () => {
    const secret = newSecret();
    await stack.pagos(link(secret, 'once-1'));
    await stack.pagos(link(secret, 'once-2'));
    expect(await calls('getCurrentCompany')).toBe(1);
    expect(await calls('createOrder')).toBe(2);
  });
});

describe('abuse', () => {
  it('a key Conekta refused is refused again without calling Conekta', async () => {
    const revoked = newSecret();
    await stack.sandboxControl('POST', '/_sandbox/keys', { key: revoked });
    await stack.sandboxControl('DELETE', `/_sandbox/keys/${revoked}`);
    const first = await stack.pagos(link(revoked, 'neg-1'));
    expect(first).toMatchObject({ status: 401, json: { error: { code: 'provider_authentication_error' } } });
    const asked = await calls('getCurrentCompany');
    for (let i = 0; i < 3; i += 1) expect((await stack.pagos(link(revoked, `neg-${i}`))).status).toBe(401);
    expect(await calls('getCurrentCompany')).toBe(asked);
  });

  it('one merchant’s burst is limited per key and leaves another merchant answered', async () => {
    const busy = newSecret();
    const calm = newSecret();
    await stack.pagos(link(calm, 'calm-0'));
    const burst = await Promise.all(
      Array.from({ length: 14 }, (_, i) => stack.pagos(link(busy, `burst-${i}`))),
    );
    const limited = burst.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(6);
    expect(limited[0]!.json.error.code).toBe('rate_limited');
    expect(limited[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await stack.pagos(link(calm, 'calm-1'))).status).toBe(200);
  });
});

describe('references in one canonical form', () => {
  it('decomposed and composed accents are one payment (one order)', async () => {
    const secret = newSecret();
    const composed = await stack.pagos(link(secret, 'Jos\u00e9-1'));
    const decomposed = await stack.pagos(link(secret, 'Jose\u0301-1'));
    expect(composed.status).toBe(200);
    expect(decomposed.json.id).toBe(composed.json.id);
    expect(await stack.sandboxOrders(secret, 'Jos\u00e9-1')).toHaveLength(1);
  });

  it.each([
    ['a zero-width space', '6588\u200b'],
    ['a trailing space', '6588 '],
    ['full-width digits', '\uff16\uff15\uff18\uff18'],
    ['a control character', '65\u000788'],
  ])('%s is refused with 400 naming the rule', async (_, reference) => {
    const res = await stack.pagos(link(newSecret(), reference));
    expect(res.status).toBe(400);
    expect(res.json.error.details).toEqual([{ field: 'reference_id', message: expect.any(String) }]);
  });
});
