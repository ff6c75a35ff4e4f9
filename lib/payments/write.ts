/** Read-modify-write of a payment record, conditional on its version. */
import type { PaymentRecord } from './model.js';
import type { PaymentStore } from './ports.js';

const MAX_TRIES = 8;

export class RecordGoneError extends Error {
  override readonly name = 'RecordGoneError';
}

/** Writes `next` if the stored record is still `current`; the stored one otherwise. */
export async function writeIfUnchanged(
  store: PaymentStore,
  current: PaymentRecord,
  next: PaymentRecord,
): Promise<{ ok: true; record: PaymentRecord } | { ok: false; record: PaymentRecord | undefined }> {
  const versioned = { ...next, version: current.version + 1 };
  const written = await store.replace(versioned, current.version);
  return written.ok ? { ok: true, record: versioned } : { ok: false, record: written.current };
}

/**
 * Applies `change` to the record and writes it; when another writer got there first, applies it
 * again to what that writer stored. `change` returns undefined when there is nothing to write.
 */
export async function mutate(
  store: PaymentStore,
  current: PaymentRecord,
  change: (record: PaymentRecord) => PaymentRecord | undefined,
): Promise<{ record: PaymentRecord; written: boolean }> {
  let record = current;
  for (let tries = 1; ; tries += 1) {
    const next = change(record);
    if (next === undefined) return { record, written: false };
    const result = await writeIfUnchanged(store, record, next);
    if (result.ok) return { record: result.record, written: true };
    if (!result.record) throw new RecordGoneError(`payment ${record.referenceId} disappeared during a write`);
    if (tries >= MAX_TRIES) {
      throw new Error(`payment ${record.referenceId}: gave up after ${tries} conflicting writes`);
    }
    record = result.record;
  }
}
