/** Outside local mode, POST /pagos refuses notification URLs that point inside a network (SSRF). */
import { type PagosStack, startPagosStack } from '../support/pagos-stack.js';

let stack: PagosStack;
beforeAll(async () => {
  stack = await startPagosStack('ssrf', { env: { PAGOS_LOCAL_MODE: 'false' } });
});
afterAll(() => stack.stop());

const create = (notificationUrl: string) =>
  stack.pagos({
    provider: 'conekta',
    action: 'create',
    secret: 'key_ssrf_test',
    reference_id: `ssrf-${Math.random().toString(36).slice(2)}`,
    amount: 10,
    return_url: 'https://shop.example.com',
    notification_url: notificationUrl,
    first_name: 'a',
    last_name: 'b',
    email: 'a@example.com',
  });

it.each([
  'http://127.0.0.1/x',
  'http://10.0.0.1/x',
  'http://169.254.169.254/latest',
  'http://[::1]/x',
  'ftp://example.com',
  'http://localhost:3000/x',
  'http://192.168.1.10/x',
])('refuses %s with 400 before any Conekta call', async (url) => {
  const res = await create(url);
  expect(res.status).toBe(400);
  expect(res.json.error.details).toEqual([{ field: 'notification_url', message: expect.any(String) }]);
});

it('accepts a public https URL', async () => {
  expect((await create('https://shop.example.com/pagos/notify')).status).toBe(200);
});

it('refuses a private notification_url on charge too', async () => {
  const res = await stack.pagos({
    provider: 'conekta',
    action: 'charge',
    secret: 'key_ssrf_test',
    reference_id: 'ssrf-charge',
    amount: 10,
    token_id: 'tok_test_visa_4242',
    first_name: 'a',
    last_name: 'b',
    email: 'a@example.com',
    notification_url: 'http://10.1.2.3/hook',
  });
  expect(res).toMatchObject({ status: 400, json: { error: { details: [{ field: 'notification_url' }] } } });
});
