/** The domain wired to its fakes, with a clock tests move: fast unit tests of whole use cases. */
import { randomUUID } from 'node:crypto';
import {
  handlePagosRequest,
  type PagosConfig,
  type PagosServices,
} from '../../lib/payments/pagos-request.js';
import { newSigningSecret } from '../../lib/store/merchants.js';
import { createFakeProvider, type FakeProvider } from './fake-provider.js';
import {
  createMemoryMerchantStore,
  createMemoryStore,
  type MemoryMerchantStore,
  type MemoryPaymentStore,
} from './memory-store.js';

export type Domain = {
  provider: FakeProvider;
  store: MemoryPaymentStore;
  merchants: MemoryMerchantStore;
  services: PagosServices;
  clock: { now: number; advance(ms: number): void };
  /** POST /pagos as the handler calls it; throws the PagosError a refusal would answer. */
  pagos(body: Record<string, unknown>): ReturnType<typeof handlePagosRequest>;
  /** The same, answering `{ status, body }` like HTTP would. */
  answer(body: Record<string, unknown>): Promise<{ status: number; body: unknown; code?: string }>;
};

export const TEST_CONFIG: PagosConfig = {
  leaseMs: 30_000,
  settleMs: 20_000,
  searchSkewSeconds: 300,
  waitForInFlightMs: 300,
  pollIntervalMs: 10,
  maxAttempts: 20,
  refundLockMs: 30_000,
  defaultPhone: '5555555555',
  admission: {
    perCredentialPerMinute: 0,
    unknownPerSourcePerMinute: 0,
    refusalMs: 600_000,
    memoryMs: 900_000,
  },
};

export function createDomain(config: Partial<PagosConfig> = {}): Domain {
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const now = () => clock.now;
  const provider = createFakeProvider('fake');
  const store = createMemoryStore(now);
  const merchants = createMemoryMerchantStore(now);
  const services: PagosServices = {
    providers: { fake: provider },
    store,
    merchants,
    config: { ...TEST_CONFIG, ...config },
    urlPolicy: (url) => (url.includes('10.0.0.') ? 'must be a public address' : undefined),
    newSigningSecret,
    memory: new Map(),
    now,
    sleep: async (ms) => clock.advance(ms),
  };
  const pagos = (body: Record<string, unknown>) =>
    handlePagosRequest(
      services,
      { provider: 'fake', ...body },
      { sourceIp: '203.0.113.9', deadline: now() + 20_000 },
    );
  return {
    provider,
    store,
    merchants,
    services,
    clock,
    pagos,
    async answer(body) {
      try {
        return { status: 200, body: (await pagos(body)).body };
      } catch (error) {
        const e = error as { status?: number; code?: string; message?: string; details?: unknown };
        if (typeof e.status !== 'number') throw error;
        return { status: e.status, body: { message: e.message, details: e.details }, code: e.code! };
      }
    },
  };
}

export const SECRET = 'key_merchant_one';

/** References start `ref-t`: eight hex digits that happen to be all digits read as a phone to the log redactor. */
export function createBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action: 'create',
    secret: SECRET,
    reference_id: `ref-t${randomUUID().slice(0, 8)}`,
    amount: 1000,
    return_url: 'https://shop.example.com/back',
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres@example.com',
    notification_url: 'https://shop.example.com/notify',
    ...overrides,
  };
}

export function chargeBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    action: 'charge',
    secret: SECRET,
    reference_id: `ref-t${randomUUID().slice(0, 8)}`,
    amount: 349.9,
    token_id: 'tok_test_visa_4242',
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres@example.com',
    ...overrides,
  };
}
