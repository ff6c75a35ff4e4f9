import { createFakeProvider } from '../support/fake-provider.js';
import { describeProviderContract } from '../support/provider-contract.js';

const provider = createFakeProvider();
describeProviderContract('in-memory fake', () => ({
  provider,
  revokedSecret: 'key_revoked',
  pay: async (orderId) => provider.setStatus(orderId, 'paid'),
}));
