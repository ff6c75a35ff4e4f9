/**
 * A Lambda timeout in the middle of a create (Conekta never answers), behind the HTTP API
 * stand-in with the real handler in its own process and a 3 s function timeout: Pagos bounds the
 * Conekta call by the Lambda's remaining time and answers 504 `provider_timeout`,
 * `retry_safe: true`, before the gateway's bare 500 could; the retry makes no second order.
 */
import { randomUUID } from 'node:crypto';
import {
  createRequest,
  PAGOS_ROUTE,
  type PagosGateway,
  startPagosGateway,
} from '../support/gateway/pagos.js';

const TIMEOUT_MS = 3000;
const newSecret = () => `key_gw_${randomUUID().replaceAll('-', '')}`;
const newReference = () => `gw-timeout-${randomUUID().slice(0, 8)}`;

describe('functions/pagos.ts: a create that cannot finish answers first', () => {
  let stack: PagosGateway;
  beforeAll(async () => {
    stack = await startPagosGateway('gateway-deadline', {
      pagos: { timeoutMs: TIMEOUT_MS },
      // The lease and the deadline derive from the function's timeout; Conekta's own timeout is longer.
      env: { FUNCTION_TIMEOUT_MS: String(TIMEOUT_MS), CONEKTA_TIMEOUT_MS: '8000', RECOVERY_SETTLE_MS: '500' },
    });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('Conekta makes the order but never answers: 504 retry_safe before the deadline; the retry finds that order', async () => {
    const secret = newSecret();
    const reference = newReference();
    // The key is known first, so the hang hits the order creation.
    await stack.pagos({ ...createRequest(secret, `${reference}-warm`) });
    await stack.sandboxFaults({ hang_next: 1, fault_after_processing: true, fault_match: 'createOrder' });
    const started = Date.now();
    const cut = await stack.pagos(createRequest(secret, reference));
    const elapsed = Date.now() - started;
    expect(cut).toMatchObject({
      status: 504,
      json: { error: { code: 'provider_timeout', provider: { retry_safe: true } } },
    });
    expect(elapsed).toBeLessThan(TIMEOUT_MS);
    expect(stack.gateway.invocations(PAGOS_ROUTE).slice(-1)[0]?.outcome).toBe('answered');
    const [made] = await stack.sandboxOrders(secret, reference);
    expect(made).toBeDefined();

    await stack.sandboxFaults({ fault_after_processing: false });
    const retry = await stack.pagos(createRequest(secret, reference));
    expect(retry.status).toBe(200);
    expect(retry.json.id).toBe(made!.id);
    expect(await stack.sandboxOrders(secret, reference)).toHaveLength(1);
    const record = await stack.record(secret, reference);
    expect(Object.values(record!.attempts).map((a) => a.orderId)).toEqual([made!.id]);
  }, 30_000);
});
