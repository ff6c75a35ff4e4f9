/** The PaymentProvider contract against the Conekta adapter, over HTTP to the Conekta sandbox. */
import { createConektaProvider } from '../../lib/providers/conekta/provider.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { describeProviderContract } from '../support/provider-contract.js';

let sandbox: RunningSandbox;
let provider: ReturnType<typeof createConektaProvider>;

beforeAll(async () => {
  sandbox = await startConektaSandbox();
  provider = createConektaProvider({
    baseUrl: sandbox.url,
    apiVersion: '2.3.0',
    timeoutMs: 5000,
    returnPath: '/conekta/conekta_order',
  });
});
afterAll(() => sandbox.stop());

describeProviderContract('Conekta adapter over the sandbox', () => ({
  provider,
  revokedSecret: 'key_revoked',
  pay: async (orderId) => {
    const res = await fetch(`${sandbox.url}/_sandbox/orders/${orderId}/pay_card`, { method: 'POST' });
    if (res.status !== 200) throw new Error(`pay_card answered ${res.status}: ${await res.text()}`);
  },
}));
