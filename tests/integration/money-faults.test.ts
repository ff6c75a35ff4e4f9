import { eventually, freshToken, type PagosStack, startPagosStack } from '../support/pagos-stack.js';
import { charge as chargeRequest, link, newSecret } from '../support/requests.js';

let stack: PagosStack;
beforeAll(async () => {
  stack = await startPagosStack('money-faults', {
    env: { CONEKTA_TIMEOUT_MS: '800', RECOVERY_SETTLE_MS: '600', CREATE_LEASE_MS: '1000' },
  });
});
afterAll(() => stack.stop());
afterEach(async () => {
  await stack.sandboxControl('DELETE', '/_sandbox/faults');
  await stack.sandboxControl('DELETE', '/_sandbox/requests');
});

const token = freshToken;
const settle = () => new Promise((r) => setTimeout(r, 700));
const faults = (patch: Record<string, unknown>) => stack.sandboxControl('POST', '/_sandbox/faults', patch);
const charge = (secret: string, reference: string, tokenId: string, extra: Record<string, unknown> = {}) =>
  chargeRequest(secret, reference, tokenId, { amount: 349.9, ...extra });
const act = (action: string, secret: string, reference: string, extra: Record<string, unknown> = {}) => ({
  provider: 'conekta',
  action,
  secret,
  reference_id: reference,
  ...extra,
});
const sandboxOrder = async (secret: string, orderId: string) => {
  const res = await fetch(`${stack.sandbox.url}/orders/${orderId}`, {
    headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.conekta-v2.3.0+json' },
  });
  return (await res.json()) as { amount_refunded: number; payment_status: string };
};
const calls = async (operation: string) =>
  ((await stack.sandboxControl('GET', `/_sandbox/requests?operation=${operation}`)).json.data as unknown[])
    .length;

/** A paid 1000-peso link, its webhooks applied. */
async function paid(secret: string, reference: string) {
  const created = await stack.pagos(link(secret, reference));
  await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/pay_card`);
  await eventually('paid', async () =>
    (await stack.record(secret, reference))?.status === 'paid' ? true : undefined,
  );
  return created.json.id as string;
}

const lostRefundAnswer = () =>
  faults({ drop_next: 1, fault_after_processing: true, fault_match: 'orderRefund' });

describe('refunds: the sum Conekta refunded is the sum Pagos answered 200 for', () => {
  it('1. a refund whose answer was lost, then its webhook, then the retry: refunded once, answered 200', async () => {
    const secret = newSecret();
    const orderId = await paid(secret, 'r1');
    await lostRefundAnswer();
    expect((await stack.pagos(act('refund', secret, 'r1', { amount: 300 }))).status).toBe(502);
    // The webhook of the refund raises the recorded total before the retry comes.
    await eventually('webhook', async () => {
      const r = await stack.record(secret, 'r1');
      return r?.status === 'partially_refunded' ? true : undefined;
    });
    const retry = await stack.pagos(act('refund', secret, 'r1', { amount: 300 }));
    expect(retry).toMatchObject({ status: 200, json: { id: orderId, amount_refunded: 30000 } });
    expect((await sandboxOrder(secret, orderId)).amount_refunded).toBe(30000);
    expect(await calls('orderRefund')).toBe(1);
  });

  it('2. a lost refund is not credited to the next one: both are made once, both answered 200', async () => {
    const secret = newSecret();
    const orderId = await paid(secret, 'r2');
    await lostRefundAnswer();
    expect((await stack.pagos(act('refund', secret, 'r2', { amount: 300 }))).status).toBe(502);
    const other = await stack.pagos(act('refund', secret, 'r2', { amount: 500 }));
    expect(other).toMatchObject({ status: 200, json: { amount_refunded: 80000 } });
    const retried = await stack.pagos(act('refund', secret, 'r2', { amount: 300 }));
    expect(retried).toMatchObject({ status: 200, json: { amount_refunded: 80000 } });
    expect((await sandboxOrder(secret, orderId)).amount_refunded).toBe(80000);
    expect(await calls('orderRefund')).toBe(2);
  });

  it('3. a full refund retried after its lost answer answers 200, not "payment is refunded"', async () => {
    const secret = newSecret();
    const orderId = await paid(secret, 'r3');
    await lostRefundAnswer();
    const lost = await stack.pagos(act('refund', secret, 'r3'));
    expect(lost).toMatchObject({ status: 502, json: { error: { provider: { retry_safe: true } } } });
    const retry = await stack.pagos(act('refund', secret, 'r3'));
    expect(retry).toMatchObject({
      status: 200,
      json: { payment_status: 'refunded', amount_refunded: 100000 },
    });
    expect((await sandboxOrder(secret, orderId)).amount_refunded).toBe(100000);
  });

  it('an answer about another order, or a refund that did not happen, is a lost answer, recovered once', async () => {
    const secret = newSecret();
    const orderId = await paid(secret, 'r4');
    await faults({ misfit_next: 'other_order_id', fault_match: 'orderRefund' });
    expect((await stack.pagos(act('refund', secret, 'r4', { amount: 100 }))).status).toBe(502);
    const retry = await stack.pagos(act('refund', secret, 'r4', { amount: 100 }));
    expect(retry).toMatchObject({ status: 200, json: { id: orderId, amount_refunded: 10000 } });
    expect(await calls('orderRefund')).toBe(1);
  });

  it('a refund Conekta never made (the call hung before it): once the call can no longer land, the retry makes it', async () => {
    const secret = newSecret();
    const orderId = await paid(secret, 'r5');
    await faults({ hang_next: 1, fault_match: 'orderRefund' });
    expect((await stack.pagos(act('refund', secret, 'r5', { amount: 100 }))).status).toBe(504);
    const early = await stack.pagos(act('refund', secret, 'r5', { amount: 100 }));
    expect(early).toMatchObject({ status: 409, json: { error: { code: 'request_in_progress' } } });
    await new Promise((r) => setTimeout(r, 1100)); // the lock's lease (CREATE_LEASE_MS) and the settle time
    const retry = await stack.pagos(act('refund', secret, 'r5', { amount: 100 }));
    expect(retry).toMatchObject({ status: 200, json: { amount_refunded: 10000 } });
    expect((await sandboxOrder(secret, orderId)).amount_refunded).toBe(10000);
  });
});

describe('charges: never a 200 for a decline, never a card charged twice', () => {
  it('4. a declined charge whose answer was lost answers 402 on every retry', async () => {
    for (const decline_body of ['plain', 'with_order'] as const) {
      const secret = newSecret();
      await faults({
        fail_next: 1,
        fail_next_status: 500,
        fault_after_processing: true,
        fault_match: 'createOrder',
        decline_body,
      });
      const declining = charge(secret, `c4-${decline_body}`, token('tok_test_insufficient_funds'));
      expect((await stack.pagos(declining)).status).toBe(502);
      const retry = await stack.pagos(declining);
      expect(retry).toMatchObject({ status: 402, json: { error: { code: 'payment_declined' } } });
      expect((await stack.pagos(declining)).status).toBe(402);
      expect((await stack.record(secret, `c4-${decline_body}`))?.status).toBe('declined');
    }
  });

  it('5. a charged card whose answer was lost: its webhook completes the record; status answers paid, never 404', async () => {
    const secret = newSecret();
    await faults({ drop_next: 1, fault_after_processing: true, fault_match: 'createOrder' });
    const lost = await stack.pagos(charge(secret, 'c5', token('tok_test_visa_4242')));
    expect(lost.status).toBe(502);
    await eventually('the signed order.paid to complete the record', async () =>
      (await stack.record(secret, 'c5'))?.status === 'paid' ? true : undefined,
    );
    const status = await stack.pagos(act('status', secret, 'c5'));
    expect(status).toMatchObject({ status: 200, json: { payment: { status: 'paid' } } });
  });

  it('5. with no webhook at all, status recovers the charge through the documented list filters', async () => {
    for (const search_mode of ['metadata', 'documented', 'ignored'] as const) {
      const secret = newSecret();
      await faults({
        webhooks_enabled: false,
        search_mode,
        drop_next: 1,
        fault_after_processing: true,
        fault_match: 'createOrder',
      });
      expect((await stack.pagos(charge(secret, 'c5b', token('tok_test_visa_4242')))).status).toBe(502);
      const status = await stack.pagos(act('status', secret, 'c5b'));
      expect(status).toMatchObject({
        status: 200,
        json: { payment: { status: 'paid', attempts: [{ status: 'paid' }] } },
      });
    }
  });

  it('7. a retry with the same token ("already used") recovers the first charge; a new token is refused as already paid', async () => {
    for (const token_reuse_status of [402, 422] as const) {
      const secret = newSecret();
      const tok = token('tok_test_visa_4242');
      await faults({
        search_mode: 'documented',
        token_reuse_status,
        drop_next: 1,
        fault_after_processing: true,
        fault_match: 'createOrder',
        webhooks_enabled: false,
      });
      expect((await stack.pagos(charge(secret, 'c7', tok))).status).toBe(502);
      const retry = await stack.pagos(charge(secret, 'c7', tok));
      expect(retry).toMatchObject({ status: 200, json: { payment_status: 'paid' } });
      const newCard = await stack.pagos(charge(secret, 'c7', token('tok_test_mastercard_4444')));
      expect(newCard).toMatchObject({ status: 409, json: { error: { code: 'already_paid' } } });
      expect(await stack.sandboxOrders(secret, 'c7')).toHaveLength(1);
    }
  });
});

describe('recovery matches the exact attempt', () => {
  it('6. never adopts an older order carrying the same reference (1 peso) for a 1000-peso payment', async () => {
    const secret = newSecret();
    const small = await stack.pagos(link(secret, 'r6', { amount: 1 }));
    await stack.sandboxControl('POST', `/_sandbox/orders/${small.json.id}/expire`);
    await stack.pagos(act('status', secret, 'r6'));
    await faults({ fail_next: 1, fail_next_status: 500, fault_match: 'createOrder', search_mode: 'ignored' });
    expect((await stack.pagos(link(secret, 'r6'))).status).toBe(502);
    await settle();
    const made = await stack.pagos(link(secret, 'r6'));
    expect(made.status).toBe(200);
    expect(made.json.id).not.toBe(small.json.id);
    expect(made.json.amount).toBe(100000);
  });

  it('8. a corrected request after a 422 is a new attempt with a new Idempotency-Key, even where Conekta honours keys', async () => {
    const secret = newSecret();
    await faults({
      idempotency: 'honoured',
      fail_next: 1,
      fail_next_status: 422,
      fault_match: 'createOrder',
    });
    expect((await stack.pagos(link(secret, 'r8'))).status).toBe(422);
    const corrected = await stack.pagos(link(secret, 'r8', { first_name: 'andrés' }));
    expect(corrected.status).toBe(200);
    const keys = (await stack.sandboxControl('GET', '/_sandbox/requests?operation=createOrder')).json
      .data as Array<{ idempotent_replay?: boolean }>;
    expect(keys.some((k) => k.idempotent_replay)).toBe(false);
  });

  it('9. a create answer that does not fit (amount, no link, no metadata, another id) is never handed out; the retry recovers', async () => {
    for (const misfit of ['other_amount', 'no_checkout_url', 'no_metadata', 'other_order_id'] as const) {
      const secret = newSecret();
      await faults({ misfit_next: misfit, fault_match: 'createOrder' });
      const first = await stack.pagos(link(secret, `r9-${misfit}`));
      expect(first).toMatchObject({ status: 502, json: { error: { provider: { retry_safe: true } } } });
      const retry = await stack.pagos(link(secret, `r9-${misfit}`));
      expect(retry.status).toBe(200);
      expect(retry.json.checkout.url).toMatch(/^http/);
      expect(retry.json.amount).toBe(100000);
      expect(await stack.sandboxOrders(secret, `r9-${misfit}`)).toHaveLength(1);
    }
  });
});

describe('10. a payment after expiry is recorded', () => {
  it('cash paid at the store after the link expired: paid, late, and status agrees', async () => {
    const secret = newSecret();
    const created = await stack.pagos(link(secret, 'r10'));
    await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/expire`);
    await eventually('expired', async () =>
      (await stack.record(secret, 'r10'))?.status === 'expired' ? true : undefined,
    );
    await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/pay_late`, { method: 'cash' });
    await eventually('paid late', async () =>
      (await stack.record(secret, 'r10'))?.status === 'paid' ? true : undefined,
    );
    const status = await stack.pagos(act('status', secret, 'r10'));
    expect(status.json.payment).toMatchObject({ status: 'paid', late: true });
  });

  it('and when its webhook was lost, status repairs it', async () => {
    const secret = newSecret();
    const created = await stack.pagos(link(secret, 'r10b'));
    await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/expire`);
    await eventually('expired', async () =>
      (await stack.record(secret, 'r10b'))?.status === 'expired' ? true : undefined,
    );
    await faults({ webhooks_enabled: false });
    await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/pay_late`, { method: 'cash' });
    const status = await stack.pagos(act('status', secret, 'r10b'));
    expect(status.json.payment).toMatchObject({ status: 'paid', late: true });
  });
});
