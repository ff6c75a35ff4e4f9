/**
 * lib/payments/merchants.ts: a credential resolved to the merchant it belongs to, once per
 * fingerprint; a refused credential refused again without asking the provider, for a while;
 * every request counted against its credential, unknown credentials also per source address.
 */
import { credentialFingerprint } from '../../lib/payments/fingerprints.js';
import {
  type AdmissionConfig,
  type AdmissionDeps,
  admit,
  merchantId,
  signingSecrets,
} from '../../lib/payments/merchants.js';
import type { Merchant } from '../../lib/payments/model.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { createFakeProvider } from '../support/fake-provider.js';
import { createMemoryMerchantStore } from '../support/memory-store.js';

/** 10 s into a minute. */
const NOW = 1_800_000_000_000 + 10_000 - (1_800_000_000_000 % 60_000);
const MINUTE = 60_000;

const config = (overrides: Partial<AdmissionConfig> = {}): AdmissionConfig => ({
  perCredentialPerMinute: 0,
  unknownPerSourcePerMinute: 0,
  refusalMs: 600_000,
  memoryMs: 900_000,
  ...overrides,
});

function setup(overrides: Partial<AdmissionConfig> = {}) {
  const clock = { now: NOW };
  const store = createMemoryMerchantStore(() => clock.now);
  const provider = createFakeProvider('fake');
  const deps: AdmissionDeps = { store, config: config(overrides), now: () => clock.now, memory: new Map() };
  const request = (secret = 'key_shop', sourceIp = '203.0.113.9') =>
    admit(deps, provider, { secret, sourceIp, deadline: clock.now + 5_000 });
  return { clock, store, provider, deps, request };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) =>
      e as {
        status: number;
        code: string;
        message: string;
        headers: Record<string, string>;
        provider?: unknown;
      },
  );

const shop: Merchant = {
  id: 'fake:acct_key_shop:test',
  provider: 'fake',
  accountId: 'acct_key_shop',
  livemode: false,
};

describe('admit: who is calling', () => {
  it('resolves a new credential through the provider, remembers it, and names the merchant provider:account:mode', async () => {
    const s = setup();
    expect(await s.request()).toEqual(shop);
    expect(s.provider.calls.resolve).toBe(1);
    const fingerprint = credentialFingerprint('fake\nkey_shop');
    expect(s.store.credentials.get(fingerprint)).toEqual({ state: 'resolved', merchant: shop });
    expect(s.deps.memory.get(fingerprint)).toEqual({ merchant: shop, until: NOW + 900_000 });
    // Known by its fingerprint, never by the secret itself.
    expect([...s.store.credentials.keys()]).toEqual([fingerprint]);
  });

  it('keeps test and live mode of one account apart', async () => {
    const s = setup();
    expect((await s.request('key_shop_live')).id).toBe('fake:acct_key_shop_live:live');
    expect(merchantId('conekta', 'co_1', true)).toBe('conekta:co_1:live');
    expect(merchantId('conekta', 'co_1', false)).toBe('conekta:co_1:test');
  });

  it('answers from memory while it lasts, then from the store, never asking the provider again', async () => {
    const s = setup();
    await s.request();
    const reads = s.store.roundTrips;
    expect(await s.request()).toEqual(shop);
    expect(s.store.roundTrips).toBe(reads);
    s.clock.now += 900_000;
    expect(await s.request()).toEqual(shop);
    expect(s.store.roundTrips).toBe(reads + 1);
    expect(s.deps.memory.get(credentialFingerprint('fake\nkey_shop'))!.until).toBe(NOW + 1_800_000);
    expect(s.provider.calls.resolve).toBe(1);
  });

  it('resolves from the store in a fresh function instance', async () => {
    const s = setup();
    await s.request();
    s.deps.memory.clear();
    expect(await s.request()).toEqual(shop);
    expect(s.provider.calls.resolve).toBe(1);
  });

  it('refuses a credential the provider refused, without asking again until the refusal ends', async () => {
    const s = setup();
    const first = await failure(s.request('key_revoked'));
    expect(first).toMatchObject({
      status: 401,
      code: 'provider_authentication_error',
      message: 'The provider rejected the secret. Check that it is a valid private API key of your account.',
      provider: { name: 'fake', status: 401, retry_safe: false },
    });
    expect(s.store.credentials.get(credentialFingerprint('fake\nkey_revoked'))).toEqual({
      state: 'refused',
      until: NOW + 600_000,
      message: first.message,
    });
    expect(await failure(s.request('key_revoked'))).toMatchObject({ status: 401, message: first.message });
    expect(s.provider.calls.resolve).toBe(1);
    s.clock.now += 600_000;
    await failure(s.request('key_revoked'));
    expect(s.provider.calls.resolve).toBe(2);
  });

  it('passes on other provider failures as the caller’s error, remembering nothing', async () => {
    const s = setup();
    s.provider.faults.push({ op: 'resolve', failure: 'unavailable' });
    expect(await failure(s.request())).toMatchObject({ status: 502, code: 'provider_unavailable' });
    expect(s.store.credentials.size).toBe(0);
    s.provider.resolveAccount = async () => {
      throw new TypeError('bug');
    };
    await expect(s.request()).rejects.toThrow(TypeError);
  });

  it('answers a provider failure while resolving as a retry-safe 502 naming the failure and the provider’s status', async () => {
    const s = setup();
    s.provider.resolveAccount = async () => {
      throw new ProviderError({
        provider: 'fake',
        failure: 'unavailable',
        outcome: 'not_processed',
        message: 'upstream down',
        status: 503,
      });
    };
    const answered = await failure(s.request());
    // Its own message (not the generic provider one): the caller learns what was being asked.
    expect(answered).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
      message:
        'Could not learn from the provider which account this key belongs to (upstream down). Sending the same request again is safe.',
      provider: { name: 'fake', status: 503, retry_safe: true },
    });
  });

  it('names no provider status in that 502 when the provider gave none', async () => {
    const s = setup();
    s.provider.faults.push({ op: 'resolve', failure: 'timeout' });
    const answered = await failure(s.request());
    expect(answered).toMatchObject({ status: 502, provider: { name: 'fake', retry_safe: true } });
    // Absent, not undefined: the error's provider info has no status to report.
    expect(answered.provider).not.toHaveProperty('status');
  });

  it('passes on the provider’s rate limit as a 429 to send again, not as a failure to resolve', async () => {
    const s = setup();
    s.provider.faults.push({ op: 'resolve', failure: 'rate_limited' });
    expect(await failure(s.request())).toMatchObject({
      status: 429,
      code: 'rate_limited',
      message: 'The provider is limiting requests and did nothing. Send the same request again in a moment.',
      headers: { 'Retry-After': '2' },
      provider: { name: 'fake', retry_safe: true },
    });
    expect(s.store.credentials.size).toBe(0);
    // Nothing was remembered: the next request asks the provider again and is admitted.
    expect(await s.request()).toEqual(shop);
  });

  it('passes on a provider failure it is not sure of as the mapped error, not a refusal', async () => {
    const s = setup();
    s.provider.resolveAccount = async () => {
      throw new ProviderError({
        provider: 'fake',
        failure: 'misfit',
        outcome: 'not_processed',
        message: 'no company',
      });
    };
    expect(await failure(s.request())).toMatchObject({ status: 502, code: 'provider_unavailable' });
    expect(s.store.credentials.size).toBe(0);
  });
});

describe('admit: rate limits', () => {
  it('counts every request of a credential per minute, and answers 429 with the wait beyond the limit', async () => {
    const s = setup({ perCredentialPerMinute: 2 });
    await s.request();
    await s.request();
    const refused = await failure(s.request());
    expect(refused).toMatchObject({
      status: 429,
      code: 'rate_limited',
      message: 'Too many requests for this API key. Send it again in 50 s.',
      headers: { 'Retry-After': '50' },
    });
    expect([...s.store.counters.entries()]).toEqual([
      [`key:${credentialFingerprint('fake\nkey_shop')}#${NOW - 10_000}`, 2],
    ]);
    // Another credential has its own count; the next minute starts afresh.
    expect(await s.request('key_other')).toMatchObject({ accountId: 'acct_key_other' });
    s.clock.now += 50_000;
    expect(await s.request()).toEqual(shop);
  });

  it('asks to wait at least a second at the very end of a minute', async () => {
    const s = setup({ perCredentialPerMinute: 1 });
    s.clock.now = NOW - 10_000 + MINUTE - 1;
    await s.request();
    expect((await failure(s.request())).headers).toEqual({ 'Retry-After': '1' });
  });

  it('counts nothing when the limit is off', async () => {
    const s = setup({ perCredentialPerMinute: 0 });
    for (let i = 0; i < 5; i += 1) await s.request();
    expect(s.store.counters.size).toBe(0);
  });

  it('limits credentials never seen before per source address, sparing known ones', async () => {
    const s = setup({ unknownPerSourcePerMinute: 2 });
    await s.request('key_a');
    await s.request('key_b');
    expect(await failure(s.request('key_c'))).toMatchObject({
      status: 429,
      message:
        'Too many requests with API keys this service has not seen from this address. Send it again in 50 s.',
    });
    expect(s.provider.calls.resolve).toBe(2);
    // Known credentials from the same address, and new ones from elsewhere, still pass.
    expect((await s.request('key_a')).accountId).toBe('acct_key_a');
    expect((await s.request('key_c', '198.51.100.7')).accountId).toBe('acct_key_c');
    expect(s.store.counters.get(`source:203.0.113.9#${NOW - 10_000}`)).toBe(2);
  });

  it('limits a refused credential’s retries per source too, once its refusal ended', async () => {
    const s = setup({ unknownPerSourcePerMinute: 1 });
    await failure(s.request('key_revoked'));
    s.clock.now += 600_000;
    await failure(s.request('key_revoked'));
    expect(await failure(s.request('key_new'))).toMatchObject({ status: 429 });
  });
});

describe('signingSecrets: the signing_secret action', () => {
  const merchant: Merchant = {
    id: 'fake:acct_1:live',
    provider: 'fake',
    accountId: 'acct_1',
    livemode: true,
  };
  let n = 0;
  const newSecret = (now: number) => {
    n += 1;
    return { id: `sig_${n}`, secret: `pgsec_${n}`, createdAt: new Date(now).toISOString() };
  };

  it('answers the merchant’s secrets, creating the first on first use', async () => {
    const store = createMemoryMerchantStore(() => NOW);
    const answer = await signingSecrets({ store, now: () => NOW, newSecret }, merchant, {
      rotate: false,
      graceHours: 24,
    });
    expect(answer).toEqual({
      merchant: 'fake:acct_1:live',
      livemode: true,
      signing_secrets: [
        {
          id: expect.stringMatching(/^sig_/),
          secret: expect.stringMatching(/^pgsec_/),
          created_at: new Date(NOW).toISOString(),
          expires_at: null,
        },
      ],
    });
  });

  it('rotates on request: the new secret first, the old one valid for the grace hours', async () => {
    const store = createMemoryMerchantStore(() => NOW);
    const before = await signingSecrets({ store, now: () => NOW, newSecret }, merchant, {
      rotate: false,
      graceHours: 24,
    });
    const answer = await signingSecrets({ store, now: () => NOW, newSecret }, merchant, {
      rotate: true,
      graceHours: 2,
    });
    expect(answer.signing_secrets).toEqual([
      { id: `sig_${n}`, secret: `pgsec_${n}`, created_at: new Date(NOW).toISOString(), expires_at: null },
      { ...before.signing_secrets[0], expires_at: new Date(NOW + 2 * 3_600_000).toISOString() },
    ]);
  });
});
