/** lib/notify/secrets.ts: the delivery function's cache of a merchant's live signing secrets. */
import { cachedSigningSecrets } from '../../lib/notify/secrets.js';
import type { MerchantId } from '../../lib/payments/model.js';
import type { SigningSecret } from '../../lib/payments/ports.js';

const merchant = 'conekta:acme:test' as MerchantId;
const other = 'conekta:other:test' as MerchantId;
const at = (ms: number) => new Date(ms).toISOString();
const secret = (name: string, expiresAt?: number): SigningSecret => ({
  id: name,
  secret: `sig_${name}`,
  createdAt: at(0),
  ...(expiresAt !== undefined && { expiresAt: at(expiresAt) }),
});

/** A store whose answers the test sets, counting reads per merchant. */
function store(answer: (merchant: MerchantId, now: number) => Promise<SigningSecret[]>) {
  const reads: { merchant: MerchantId; now: number }[] = [];
  return {
    reads,
    signingSecrets: (m: MerchantId, now: number) => {
      reads.push({ merchant: m, now });
      return answer(m, now);
    },
  };
}

describe('cachedSigningSecrets', () => {
  it('reads once per merchant within the ttl, and again once it has passed', async () => {
    let clock = 1_000;
    const s = store(async () => [secret('a')]);
    const secrets = cachedSigningSecrets(s, 60_000, () => clock);
    expect(await secrets(merchant)).toEqual(['sig_a']);
    clock += 59_999;
    expect(await secrets(merchant)).toEqual(['sig_a']);
    expect(s.reads).toEqual([{ merchant, now: 1_000 }]);
    await secrets(other);
    clock += 1; // exactly the ttl after the first read
    await secrets(merchant);
    expect(s.reads).toEqual([
      { merchant, now: 1_000 },
      { merchant: other, now: 60_999 },
      { merchant, now: 61_000 },
    ]);
  });

  it('signs with every live secret, in the store’s order, never with an expired one', async () => {
    const clock = 10_000;
    const s = store(async () => [
      secret('current'),
      secret('grace', clock + 1),
      secret('ends-now', clock),
      secret('expired', clock - 1),
    ]);
    expect(await cachedSigningSecrets(s, 60_000, () => clock)(merchant)).toEqual([
      'sig_current',
      'sig_grace',
    ]);
  });

  it('drops a cached secret the moment it expires, without reading again', async () => {
    let clock = 0;
    const s = store(async () => [secret('current'), secret('old', 5_000)]);
    const secrets = cachedSigningSecrets(s, 60_000, () => clock);
    expect(await secrets(merchant)).toEqual(['sig_current', 'sig_old']);
    clock = 5_000;
    expect(await secrets(merchant)).toEqual(['sig_current']);
    expect(s.reads).toHaveLength(1);
  });

  it('refuses to sign when no secret is live', async () => {
    const s = store(async () => [secret('expired', 1)]);
    await expect(cachedSigningSecrets(s, 60_000, () => 2)(merchant)).rejects.toThrow(
      'no live signing secret',
    );
  });

  it('does not keep a failed read: the next message asks again', async () => {
    let fail = true;
    const s = store(async () => {
      if (fail) throw new Error('throttled');
      return [secret('a')];
    });
    const secrets = cachedSigningSecrets(s, 60_000, () => 0);
    await expect(secrets(merchant)).rejects.toThrow('throttled');
    fail = false;
    expect(await secrets(merchant)).toEqual(['sig_a']);
    expect(s.reads).toHaveLength(2);
  });

  it('a late failure of an older read does not evict the newer one', async () => {
    let clock = 0;
    let failFirst: (error: Error) => void = () => {};
    const s = store((_m, now) =>
      now === 0
        ? new Promise<SigningSecret[]>((_resolve, reject) => {
            failFirst = reject;
          })
        : Promise.resolve([secret('b')]),
    );
    const secrets = cachedSigningSecrets(s, 1_000, () => clock);
    const first = secrets(merchant);
    clock = 1_000;
    expect(await secrets(merchant)).toEqual(['sig_b']);
    failFirst(new Error('timed out'));
    await expect(first).rejects.toThrow('timed out');
    expect(await secrets(merchant)).toEqual(['sig_b']);
    expect(s.reads).toHaveLength(2);
  });
});
