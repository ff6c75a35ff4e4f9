/** lib/payments/write.ts: read-modify-write conditional on the record's version. */
import { mutate, RecordGoneError, writeIfUnchanged } from '../../lib/payments/write.js';
import { createMemoryStore } from '../support/memory-store.js';
import { aPayment } from '../support/records.js';

describe('writeIfUnchanged', () => {
  it('writes the next record at the next version while the stored one is unchanged', async () => {
    const store = createMemoryStore();
    const record = aPayment();
    await store.insert(record);
    const written = await writeIfUnchanged(store, record, { ...record, updatedAt: 'next', version: 99 });
    expect(written).toEqual({ ok: true, record: { ...record, updatedAt: 'next', version: 2 } });
    expect(await store.get(record.merchant, record.referenceId)).toEqual(written.record);
    const stale = await writeIfUnchanged(store, record, { ...record, updatedAt: 'late' });
    expect(stale).toEqual({ ok: false, record: written.record });
  });
});

describe('mutate', () => {
  it('writes nothing when the change has nothing to write', async () => {
    const store = createMemoryStore();
    const record = aPayment();
    await store.insert(record);
    expect(await mutate(store, record, () => undefined)).toEqual({ record, written: false });
    expect(store.roundTrips).toBe(1);
  });

  it('applies the change again to what another writer stored', async () => {
    const store = createMemoryStore();
    const record = aPayment();
    await store.insert(record);
    let other = true;
    store.beforeWrite = () => {
      if (!other) return;
      other = false;
      const [entry] = [...store.records.values()];
      entry!.record = { ...entry!.record, version: 2, metadata: { by: 'other' } };
    };
    const seen: (Record<string, string> | undefined)[] = [];
    const result = await mutate(store, record, (r) => {
      seen.push(r.metadata);
      return { ...r, updatedAt: 'mine' };
    });
    expect(seen).toEqual([undefined, { by: 'other' }]);
    expect(result).toEqual({
      written: true,
      record: expect.objectContaining({ version: 3, updatedAt: 'mine', metadata: { by: 'other' } }),
    });
  });

  it('fails plainly when the record disappeared, and after eight conflicting writes', async () => {
    const store = createMemoryStore();
    const record = aPayment();
    await expect(mutate(store, record, (r) => r)).rejects.toThrow(RecordGoneError);
    await expect(mutate(store, record, (r) => r)).rejects.toMatchObject({
      name: 'RecordGoneError',
      message: `payment ${record.referenceId} disappeared during a write`,
    });
    await store.insert(record);
    let writes = 0;
    store.beforeWrite = () => {
      writes += 1;
      const [entry] = [...store.records.values()];
      entry!.record = { ...entry!.record, version: entry!.record.version + 1 };
    };
    await expect(mutate(store, record, (r) => r)).rejects.toThrow(
      `payment ${record.referenceId}: gave up after 8 conflicting writes`,
    );
    expect(writes).toBe(8);
  });
});
