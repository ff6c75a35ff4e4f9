/** Issue 14: strangers trying many keys from one address are limited before Conekta is asked. */
import { randomUUID } from 'node:crypto';
import { type PagosStack, startPagosStack } from '../support/pagos-stack.js';
import { link } from '../support/requests.js';

let stack: PagosStack;
beforeAll(async () => {
  stack = await startPagosStack('tenancy-strangers', {
    env: { RATE_LIMIT_NEW_KEYS_PER_SOURCE_PER_MINUTE: '4' },
  });
});
afterAll(() => stack.stop());

const companyLookups = async () =>
  (
    (await stack.sandboxControl('GET', '/_sandbox/requests?operation=getCurrentCompany')).json
      .data as unknown[]
  ).length;

it('ten new keys in a minute from one address: four are asked about, the rest get 429 without a Conekta call', async () => {
  const known = `key_known_${randomUUID().replaceAll('-', '')}`;
  expect((await stack.pagos(link(known, 'k-0'))).status).toBe(200);
  const answers = [];
  for (let i = 0; i < 10; i += 1)
    answers.push(await stack.pagos(link(`key_${randomUUID().replaceAll('-', '')}`, `s-${i}`)));
  const limited = answers.filter((a) => a.status === 429);
  // The window may turn over during the loop; at the most 4 + 4 keys get through.
  expect(limited.length).toBeGreaterThanOrEqual(2);
  expect(limited[0]!.json.error).toMatchObject({
    code: 'rate_limited',
    message: expect.stringMatching(/not seen/),
  });
  expect(await companyLookups()).toBe(1 + answers.filter((a) => a.status === 200).length);
  // A key Pagos knows is not held back by the strangers.
  expect((await stack.pagos(link(known, 'k-1'))).status).toBe(200);
});
