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
    webhookPublicKeys: () => sandbox.defaultWebhookPublicKeyPem,
  });
});
afterAll(() => sandbox.stop());

let tokens = 0;
// The sandbox's test tokens are single use per account; `<token>_<suffix>` is a fresh copy.
const fresh = (token: string) => {
  tokens += 1;
  return `${token}_${tokens}`;
};

describeProviderContract('Conekta adapter over the sandbox', () => ({
  provider,
  revokedSecret: 'key_revoked',
  payingToken: () => fresh('tok_test_visa_4242'),
  decliningToken: () => fresh('tok_test_insufficient_funds'),
  pay: async (orderId) => {
    const res = await fetch(`${sandbox.url}/_sandbox/orders/${orderId}/pay_card`, { method: 'POST' });
    if (res.status !== 200) throw new Error(`pay_card answered ${res.status}: ${await res.text()}`);
  },
}));
