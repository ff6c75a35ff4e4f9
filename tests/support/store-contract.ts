/** The PaymentStore contract: one suite, run against DynamoDB Local and the in-memory fake. */
import { randomUUID } from 'node:crypto';
import type { NewClaim, PaymentStore } from '../../lib/payments/ports.js';

export function newClaim(overrides: Partial<NewClaim> = {}): NewClaim {
  return {
    merchant: 'm_store_contract',
    referenceId: `ref-${randomUUID()}`,
    kind: 'link',
    provider: 'conekta',
    requestHash: 'hash-1',
    amountCents: 100_000,
    currency: 'MXN',
    notificationUrl: 'https://shop.example.com/notify',
    createdAt: '2026-11-21T00:00:00.000Z',
    claimToken: 'token-1',
    leaseUntil: Date.now() + 10_000,
    ...overrides,
  };
}

const completed = {
  orderId: 'ord_1',
  checkoutId: 'chk_1',
  checkoutUrl: 'https://pay.example.test/1',
  livemode: false,
  providerStatus: null,
  providerUpdatedAt: 1_700_000_000,
  providerOrder: '{"id":"ord_1"}',
  status: 'created' as const,
  at: '2026-11-21T00:00:01.000Z',
};

export function describeStoreContract(name: string, subject: () => PaymentStore): void {
  describe(`PaymentStore contract: ${name}`, () => {
    it('claims a reference once; a second claim sees the first record', async () => {
      const store = subject();
      const claim = newClaim();
      expect(await store.claim(claim)).toEqual({ claimed: true });
      const second = await store.claim({ ...claim, claimToken: 'token-2', requestHash: 'hash-2' });
      expect(second.claimed).toBe(false);
      if (second.claimed) return;
      expect(second.existing).toMatchObject({
        status: 'creating',
        claimToken: 'token-1',
        requestHash: 'hash-1',
        amountCents: 100_000,
        history: [],
      });
    });

    it('completes only with the claim token, then holds the order and its history', async () => {
      const store = subject();
      const claim = newClaim();
      await store.claim(claim);
      expect(await store.complete(claim.merchant, claim.referenceId, 'wrong-token', completed)).toBe(false);
      expect(await store.complete(claim.merchant, claim.referenceId, 'token-1', completed)).toBe(true);
      const record = await store.get(claim.merchant, claim.referenceId);
      expect(record).toMatchObject({
        status: 'created',
        orderId: 'ord_1',
        checkoutUrl: 'https://pay.example.test/1',
        providerOrder: '{"id":"ord_1"}',
        history: [{ status: 'created', previous: null, at: completed.at, source: 'create' }],
      });
      expect(record?.claimToken).toBeUndefined();
      // A completed record cannot be taken over or released.
      expect(
        await store.takeOver(
          claim.merchant,
          claim.referenceId,
          { claimToken: 'token-1' },
          { claimToken: 'x', leaseUntil: 1 },
        ),
      ).toBe(false);
      await store.release(claim.merchant, claim.referenceId, 'token-1');
      expect(await store.get(claim.merchant, claim.referenceId)).toMatchObject({ status: 'created' });
    });

    it('releases a claim so the reference is free again', async () => {
      const store = subject();
      const claim = newClaim();
      await store.claim(claim);
      await store.release(claim.merchant, claim.referenceId, 'other-token');
      expect(await store.get(claim.merchant, claim.referenceId)).toBeDefined();
      await store.release(claim.merchant, claim.referenceId, 'token-1');
      expect(await store.get(claim.merchant, claim.referenceId)).toBeUndefined();
      expect(await store.claim(claim)).toEqual({ claimed: true });
    });

    it('marks an unknown outcome and lets exactly one attempt take over', async () => {
      const store = subject();
      const claim = newClaim();
      await store.claim(claim);
      await store.markOutcomeUnknown(claim.merchant, claim.referenceId, 'token-1');
      expect(await store.get(claim.merchant, claim.referenceId)).toMatchObject({
        outcomeUnknown: true,
        leaseUntil: 0,
      });
      const takes = await Promise.all(
        ['a', 'b', 'c'].map((t) =>
          store.takeOver(
            claim.merchant,
            claim.referenceId,
            { claimToken: 'token-1' },
            { claimToken: t, leaseUntil: 5 },
          ),
        ),
      );
      expect(takes.filter(Boolean)).toHaveLength(1);
      expect(await store.complete(claim.merchant, claim.referenceId, 'token-1', completed)).toBe(false);
    });

    it('returns nothing for an unknown reference', async () => {
      expect(await subject().get('m_nobody', 'nothing')).toBeUndefined();
    });
  });
}
