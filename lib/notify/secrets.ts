/**
 * A merchant's live signing secrets for the delivery function, reused for `ttlMs` so a batch of
 * one merchant's notifications costs one read. A rotation is seen within `ttlMs`; meanwhile the
 * old secret, still live during its grace period, keeps signing. Expired ones never sign.
 */
import type { MerchantId } from '../payments/model.js';
import type { MerchantStore, SigningSecret } from '../payments/ports.js';

export function cachedSigningSecrets(
  store: Pick<MerchantStore, 'signingSecrets'>,
  ttlMs: number,
  now: () => number = Date.now,
): (merchant: MerchantId) => Promise<string[]> {
  const cache = new Map<MerchantId, { at: number; secrets: Promise<SigningSecret[]> }>();
  return async (merchant) => {
    const t = now();
    let entry = cache.get(merchant);
    if (!entry || t - entry.at >= ttlMs) {
      const fresh = { at: t, secrets: store.signingSecrets(merchant, t) };
      cache.set(merchant, fresh);
      // A failed read is not kept: the next message asks again.
      fresh.secrets.catch(() => {
        if (cache.get(merchant) === fresh) cache.delete(merchant);
      });
      entry = fresh;
    }
    const live = (await entry.secrets).filter(
      (s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > t,
    );
    if (live.length === 0) throw new Error('no live signing secret');
    return live.map((s) => s.secret);
  };
}
