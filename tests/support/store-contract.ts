/**
 * The store contracts: one suite per port, run unchanged against DynamoDB Local and the
 * in-memory fakes, so the fakes the unit tests trust behave like the real adapters.
 */
import { randomUUID } from 'node:crypto';
import { ordinaryAdvance } from '../../lib/payments/events.js';
import type { PaymentRecord } from '../../lib/payments/model.js';
import type { MerchantStore, PaymentStore } from '../../lib/payments/ports.js';
import { applySnapshot } from '../../lib/payments/record.js';
import { newSigningSecret } from '../../lib/store/merchants.js';
import { anAttempt, aPayment, aSnapshot, MERCHANT } from './records.js';

const fresh = (record: PaymentRecord = aPayment()) => ({
  ...record,
  merchant: `${MERCHANT.id}-${randomUUID().slice(0, 6)}`,
});

const at = '2026-12-01T00:00:05.000Z';

export function describeStoreContract(name: string, subject: () => PaymentStore): void {
  describe(`PaymentStore contract: ${name}`, () => {
    it('inserts a payment once; a second insert answers the stored one', async () => {
      const store = subject();
      const record = fresh();
      expect(await store.insert(record)).toEqual({ ok: true });
      expect(await store.get(record.merchant, record.referenceId)).toEqual(record);
      const second = await store.insert({
        ...record,
        version: 9,
        notificationUrl: 'https://other.example.com',
      });
      expect(second).toEqual({ ok: false, current: record });
    });

    it('keeps every field of a record with many attempts, refunds and history', async () => {
      const store = subject();
      const paid = anAttempt({
        n: 1,
        status: 'partially_refunded',
        paidAt: 1_700_000_100,
        paymentMethod: 'card',
        card: { brand: 'visa', last4: '4242' },
        amountRefundedCents: 300,
        late: true,
      });
      const failed = anAttempt({
        n: 2,
        phase: 'not_created',
        status: undefined,
        orderId: undefined,
        checkoutUrl: undefined,
        providerStatus: undefined,
        providerUpdatedAt: undefined,
        expiresAt: 1_700_100_000,
      });
      const record = fresh(
        aPayment([paid, failed], {
          metadata: { pedido: '6588', canal: 'web' },
          refunds: {
            rf_1: {
              key: 'rf_1',
              attemptId: paid.id,
              orderId: paid.orderId!,
              amountCents: 300,
              reason: 'requested_by_client',
              state: 'done',
              startedAt: 1_700_000_200,
              lockUntil: 1_700_000_230_000,
              providerRefundId: 'rfd_1',
            },
          },
          history: [{ status: 'paid', at, source: 'webhook:evt_1', orderId: paid.orderId! }],
        }),
      );
      await store.insert(record);
      expect(await store.get(record.merchant, record.referenceId)).toEqual(record);
    });

    it('replaces a record only at the expected version, answering the stored one otherwise', async () => {
      const store = subject();
      const record = fresh();
      await store.insert(record);
      const next = { ...record, version: 2, updatedAt: at };
      expect(await store.replace(next, 1)).toEqual({ ok: true });
      expect(await store.replace({ ...record, version: 2 }, 1)).toEqual({ ok: false, current: next });
      expect(await store.replace({ ...fresh(), version: 2 }, 1)).toEqual({ ok: false, current: undefined });
    });

    it('lets exactly one of several concurrent writers of a version win', async () => {
      const store = subject();
      const record = fresh();
      await store.insert(record);
      const results = await Promise.all(
        ['a', 'b', 'c', 'd'].map((who) => store.replace({ ...record, version: 2, updatedAt: who }, 1)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
    });

    it('removes a record only at the expected version', async () => {
      const store = subject();
      const record = fresh();
      await store.insert(record);
      expect((await store.remove(record, 7)).ok).toBe(false);
      expect(await store.remove(record, 1)).toEqual({ ok: true });
      expect(await store.get(record.merchant, record.referenceId)).toBeUndefined();
    });

    it('advances the current attempt in one write exactly as the general rules would', async () => {
      const store = subject();
      const attempt = anAttempt({ status: 'pending_payment', paymentMethod: 'cash' });
      const record = fresh(aPayment([attempt]));
      await store.insert(record);
      const snapshot = aSnapshot(attempt, 'paid', { paidAt: 1_700_000_500, paymentMethod: 'cash' });
      const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
      const advance = ordinaryAdvance(tag, snapshot, { source: 'webhook:evt_9', at })!;
      expect(await store.advanceAttempt(advance)).toEqual({ ok: true });
      const general = applySnapshot(record, attempt.id, snapshot, { name: 'webhook:evt_9', at });
      expect(general.applied).toBe(true);
      expect(await store.get(record.merchant, record.referenceId)).toEqual({
        ...general.record!,
        version: record.version + 1,
      });
    });

    it('advances the same attempt again and again, one write each, exactly as the general rules would', async () => {
      const store = subject();
      const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: 1_700_000_000 });
      let expected = fresh(aPayment([attempt]));
      await store.insert(expected);
      const tag = { merchant: expected.merchant, referenceId: expected.referenceId, attemptId: attempt.id };
      const moves = [
        aSnapshot(attempt, 'paid', {
          updatedAt: 1_700_000_010,
          paidAt: 1_700_000_009,
          paymentMethod: 'card',
        }),
        aSnapshot(attempt, 'partially_refunded', { updatedAt: 1_700_000_020, amountRefundedCents: 400 }),
        aSnapshot(attempt, 'refunded', { updatedAt: 1_700_000_030, amountRefundedCents: 100_000 }),
      ];
      for (const [i, snapshot] of moves.entries()) {
        const source = { name: `webhook:evt_${i}`, at };
        expect(
          await store.advanceAttempt(ordinaryAdvance(tag, snapshot, { source: source.name, at })!),
        ).toEqual({
          ok: true,
        });
        const general = applySnapshot(expected, attempt.id, snapshot, source);
        expected = { ...general.record!, version: expected.version + 1 };
        expect(await store.get(expected.merchant, expected.referenceId)).toEqual(expected);
      }
      expect(expected.status).toBe('refunded');
    });

    it('lets one of five concurrent copies of an advance through, and records it once', async () => {
      const store = subject();
      const attempt = anAttempt({ status: 'pending_payment' });
      const record = fresh(aPayment([attempt]));
      await store.insert(record);
      const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
      const advance = ordinaryAdvance(tag, aSnapshot(attempt, 'paid'), { source: 'webhook:evt_c', at })!;
      const results = await Promise.all(Array.from({ length: 5 }, () => store.advanceAttempt(advance)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const stored = (await store.get(record.merchant, record.referenceId))!;
      expect(stored.history.filter((h) => h.source === 'webhook:evt_c')).toHaveLength(1);
      expect(stored.version).toBe(record.version + 1);
    });

    it('advances an attempt stored without a provider time to a higher rank, never to the same one', async () => {
      const store = subject();
      const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: undefined });
      const record = fresh(aPayment([attempt]));
      await store.insert(record);
      const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
      const to = (status: 'declined' | 'paid') =>
        ordinaryAdvance(tag, aSnapshot(attempt, status, { updatedAt: 1_700_000_500 }), { source: 's', at })!;
      expect(await store.advanceAttempt(to('declined'))).toEqual({ ok: false, current: record });
      expect(await store.advanceAttempt(to('paid'))).toEqual({ ok: true });
      expect(
        (await store.get(record.merchant, record.referenceId))!.attempts[attempt.id]!.providerUpdatedAt,
      ).toBe(1_700_000_500);
    });

    it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 2])(
      'refuses the one-write advance for a provider time it cannot compare (%p), answering the stored record',
      async (updatedAt) => {
        const store = subject();
        const attempt = anAttempt({ status: 'pending_payment' });
        const record = fresh(aPayment([attempt]));
        await store.insert(record);
        const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
        const advance = ordinaryAdvance(tag, aSnapshot(attempt, 'paid', { updatedAt }), { source: 's', at })!;
        expect(await store.advanceAttempt(advance)).toEqual({ ok: false, current: record });
      },
    );

    it.each([
      ['the same event again', (r: PaymentRecord) => r, 'paid'],
      ['an older event', (r: PaymentRecord) => r, 'pending_payment'],
      [
        'another order of the attempt',
        (r: PaymentRecord) => ({
          ...r,
          attempts: { [r.currentAttempt]: { ...r.attempts[r.currentAttempt]!, orderId: 'ord_other' } },
        }),
        'paid',
      ],
      [
        'an attempt that is not current',
        (r: PaymentRecord) => ({ ...r, currentAttempt: 'att_newer' }),
        'paid',
      ],
      [
        'an attempt other than the paid one',
        (r: PaymentRecord) => ({ ...r, paidAttempt: 'att_other' }),
        'refunded',
      ],
      [
        'an amount the attempt does not have',
        (r: PaymentRecord) => ({
          ...r,
          attempts: { [r.currentAttempt]: { ...r.attempts[r.currentAttempt]!, amountCents: 1 } },
        }),
        'paid',
      ],
      [
        'a late payment (expired first)',
        (r: PaymentRecord) => ({
          ...r,
          attempts: { [r.currentAttempt]: { ...r.attempts[r.currentAttempt]!, status: 'expired' as const } },
        }),
        'paid',
      ],
    ] as const)(
      'refuses the one-write advance for %s and answers the stored record',
      async (_, change, to) => {
        const store = subject();
        const attempt = anAttempt({ status: 'paid', providerUpdatedAt: 1_700_000_100 });
        const record = fresh(change(aPayment([attempt])) as PaymentRecord);
        await store.insert(record);
        const snapshot = aSnapshot(attempt, to, {
          updatedAt: to === 'pending_payment' ? 1_700_000_050 : 1_700_000_100,
        });
        const advance = ordinaryAdvance(
          { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id },
          snapshot,
          { source: 'webhook:x', at },
        );
        if (!advance) return; // not an ordinary move: the general path handles it, nothing to refuse
        expect(await store.advanceAttempt(advance)).toEqual({ ok: false, current: record });
      },
    );

    it('lists a merchant’s payments newest change first, by status and since, page by page', async () => {
      const store = subject();
      const merchant = `${MERCHANT.id}-list-${randomUUID().slice(0, 6)}`;
      const made: PaymentRecord[] = [];
      for (let i = 0; i < 7; i += 1) {
        const attempt = anAttempt({ status: i % 2 === 0 ? 'paid' : 'created' });
        const record = { ...aPayment([attempt]), merchant, referenceId: `list-${i}` };
        await store.insert(record);
        made.push(record);
        await new Promise((r) => setTimeout(r, 3));
      }
      await store.insert(fresh()); // another merchant's
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listChanged(merchant, { limit: 3, ...(cursor && { cursor }) });
        expect(page.payments.length).toBeLessThanOrEqual(3);
        seen.push(...page.payments.map((p) => p.referenceId));
        cursor = page.cursor;
      } while (cursor);
      expect(seen).toEqual(made.map((r) => r.referenceId).reverse());
      const paid = await store.listChanged(merchant, { limit: 50, status: 'paid' });
      expect(paid.payments.map((p) => p.referenceId).sort()).toEqual([
        'list-0',
        'list-2',
        'list-4',
        'list-6',
      ]);
      expect(paid.payments[0]).toMatchObject({ status: 'paid', amountCents: 100_000, currency: 'MXN' });
      const none = await store.listChanged(merchant, { limit: 50, since: Date.now() + 60_000 });
      expect(none.payments).toEqual([]);
      await expect(store.listChanged(merchant, { limit: 1, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        name: 'InvalidCursorError',
      });
    });

    it('returns nothing for an unknown reference', async () => {
      expect(await subject().get('fake:nobody:test', 'nothing')).toBeUndefined();
    });
  });
}

export function describeMerchantStoreContract(name: string, subject: () => MerchantStore): void {
  describe(`MerchantStore contract: ${name}`, () => {
    const merchant = {
      id: `fake:acct_${randomUUID().slice(0, 6)}:test`,
      provider: 'fake',
      accountId: 'a',
      livemode: false,
    };

    it('remembers whose a credential is, and a refusal until when', async () => {
      const store = subject();
      const fp = `fp_${randomUUID()}`;
      expect(await store.getCredential(fp)).toBeUndefined();
      await store.putCredential(fp, { state: 'resolved', merchant });
      expect(await store.getCredential(fp)).toEqual({ state: 'resolved', merchant });
      await store.putCredential(fp, { state: 'refused', until: 123, message: 'nope' });
      expect(await store.getCredential(fp)).toEqual({ state: 'refused', until: 123, message: 'nope' });
    });

    it('counts requests per bucket and window, up to the limit, even when they race', async () => {
      const store = subject();
      const bucket = `key:${randomUUID()}`;
      const window = { startMs: 60_000, lengthMs: 60_000, limit: 3 };
      const taken = await Promise.all(Array.from({ length: 6 }, () => store.takeRequest(bucket, window)));
      expect(taken.filter(Boolean)).toHaveLength(3);
      expect(await store.takeRequest(bucket, { ...window, startMs: 120_000 })).toBe(true);
      expect(await store.takeRequest(`${bucket}-other`, window)).toBe(true);
    });

    it('creates one signing secret on first use, even when asked concurrently', async () => {
      const store = subject();
      const id = `${merchant.id}-${randomUUID().slice(0, 4)}`;
      const all = await Promise.all([1, 2, 3].map(() => store.signingSecrets(id, Date.now())));
      const first = all[0]![0]!;
      for (const secrets of all) expect(secrets).toEqual([first]);
      expect(first.secret).toMatch(/^pgsec_[A-Za-z0-9_-]{40,}$/);
    });

    it('rotates: the new secret first, the old one valid until the grace period ends', async () => {
      const store = subject();
      const id = `${merchant.id}-${randomUUID().slice(0, 4)}`;
      const now = Date.now();
      const [old] = await store.signingSecrets(id, now);
      const next = newSigningSecret(now + 1);
      const rotated = await store.rotateSigningSecret(id, next, now + 3_600_000);
      expect(rotated.map((s) => s.id)).toEqual([next.id, old!.id]);
      expect(rotated[1]!.expiresAt).toBe(new Date(now + 3_600_000).toISOString());
      expect((await store.signingSecrets(id, now + 10)).map((s) => s.id)).toEqual([next.id, old!.id]);
      expect((await store.signingSecrets(id, now + 3_600_001)).map((s) => s.id)).toEqual([next.id]);
    });

    it('rotates again: every kept secret ends with the shorter grace, never later than it was', async () => {
      const store = subject();
      const id = `${merchant.id}-${randomUUID().slice(0, 4)}`;
      const now = Date.now();
      const [first] = await store.signingSecrets(id, now);
      const second = newSigningSecret(now + 1);
      const third = newSigningSecret(now + 2);
      const at = (ms: number) => new Date(now + ms).toISOString();
      // A long grace, then a short one: both older secrets end with the short one.
      await store.rotateSigningSecret(id, second, now + 86_400_000);
      const short = await store.rotateSigningSecret(id, third, now + 3_600_000);
      expect(short.map((s) => [s.id, s.expiresAt])).toEqual([
        [third.id, undefined],
        [second.id, at(3_600_000)],
        [first!.id, at(3_600_000)],
      ]);
      // A longer grace afterwards does not bring an ending secret back for longer.
      const fourth = newSigningSecret(now + 3);
      const long = await store.rotateSigningSecret(id, fourth, now + 86_400_000);
      expect(long.map((s) => [s.id, s.expiresAt])).toEqual([
        [fourth.id, undefined],
        [third.id, at(86_400_000)],
        [second.id, at(3_600_000)],
        [first!.id, at(3_600_000)],
      ]);
    });
  });
}
