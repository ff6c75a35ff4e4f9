import { createMemoryMerchantStore, createMemoryStore } from '../support/memory-store.js';
import { describeMerchantStoreContract, describeStoreContract } from '../support/store-contract.js';

const payments = createMemoryStore();
const merchants = createMemoryMerchantStore();
describeStoreContract('in-memory fake', () => payments);
describeMerchantStoreContract('in-memory fake', () => merchants);
