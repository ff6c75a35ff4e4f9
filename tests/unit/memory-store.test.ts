import { createMemoryStore } from '../support/memory-store.js';
import { describeStoreContract } from '../support/store-contract.js';

const store = createMemoryStore();
describeStoreContract('in-memory fake', () => store);
