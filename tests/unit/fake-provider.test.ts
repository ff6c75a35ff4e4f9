import { createFakeProvider, type FakeProvider } from '../support/fake-provider.js';
import { describeProviderContract } from '../support/provider-contract.js';

const provider: FakeProvider = createFakeProvider();
let n = 0;
describeProviderContract('in-memory fake', () => ({
  provider,
  revokedSecret: 'key_revoked',
  pay: async (orderId) => provider.setStatus(orderId, 'paid'),
  payingToken: () => 'tok_test_visa_4242',
  decliningToken: () => {
    n += 1;
    return `tok_test_insufficient_funds_${n}`;
  },
}));
