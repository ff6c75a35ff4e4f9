/**
 * A Lambda timeout in the middle of a create (Conekta never answers), behind the HTTP API
 * stand-in with the real handler in its own process and a 3 s function timeout.
 * - Today: the storefront gets a 500, not the documented retry-safe 504.
 * - With the deadline wired (tests/support/gateway/handlers/pagos-with-deadline.ts, until
 *   functions/pagos.ts carries it): Pagos answers 504 `provider_timeout`, `retry_safe: true`,
 *   before the deadline, and the retry makes no second order.
 */
import { randomUUID } from 'node:crypto';
import { GatewayAnswers } from '../support/gateway/answers.js';
import {
  createRequest,
  PAGOS_ROUTE,
  type PagosGateway,
  startPagosGateway,
} from '../support/gateway/pagos.js';

const TIMEOUT_MS = 3000;
const newSecret = () => `key_gw_${randomUUID().replaceAll('-', '')}`;
const newReference = () => `gw-timeout-${randomUUID().slice(0, 8)}`;

describe('functions/pagos.ts as deployed today', () => {
  let stack: PagosGateway;
  beforeAll(async () => {
    stack = await startPagosGateway('gateway-timeout', { pagos: { timeoutMs: TIMEOUT_MS } });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('Conekta hangs past the function timeout: a 500 that is not retry-safe', async () => {
    await stack.sandboxFaults({ hang_next: 1 });
    const started = Date.now();
    const answer = await stack.pagos(createRequest(newSecret(), newReference()));
    const [invocation] = stack.gateway.invocations(PAGOS_ROUTE).slice(-1);
    expect(answer.status).toBe(500);
    expect(answer.json?.error?.provider?.retry_safe).not.toBe(true);
    // middy's own early timeout (5 ms before the deadline) races Lambda's kill: either Pagos's
    // internal_error got out first, or the environment died and the gateway answered.
    if (invocation?.outcome === 'timed_out') {
      expect(answer.text).toBe(GatewayAnswers.internalServerError.body);
    } else {
      expect(invocation?.outcome).toBe('answered');
      expect(answer.json).toMatchObject({ error: { code: 'internal_error' } });
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 100);
  }, 30_000);
});

describe('with the deadline wired in', () => {
  let stack: PagosGateway;
  beforeAll(async () => {
    stack = await startPagosGateway('gateway-deadline', {
      pagos: { timeoutMs: TIMEOUT_MS, module: 'tests/support/gateway/handlers/pagos-with-deadline.ts' },
      // The unfinished attempt's claim can be taken over 1.5 s after it was made (default: 13 s).
      env: { CREATE_LEASE_MS: '1500' },
    });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('Conekta makes the order but never answers: 504 retry_safe before the deadline; the retry finds that order', async () => {
    const secret = newSecret();
    const reference = newReference();
    await stack.sandboxFaults({ hang_next: 1, fault_after_processing: true });
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
    expect((await stack.record(secret, reference))?.orderId).toBe(made!.id);
  }, 30_000);
});
