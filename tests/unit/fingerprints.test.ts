/** lib/payments/fingerprints.ts: stable, one-way names; equal requests hash equally, whatever their key order. */
import {
  canonicalJson,
  credentialFingerprint,
  idempotencyKey,
  requestHash,
} from '../../lib/payments/fingerprints.js';

describe('fingerprints', () => {
  it('names a credential by a one-way hash, never the credential', () => {
    const fp = credentialFingerprint('key_secret');
    expect(fp).toMatch(/^fp_[0-9a-f]{40}$/);
    expect(fp).not.toContain('secret');
    expect(credentialFingerprint('key_secret')).toBe(fp);
    expect(credentialFingerprint('key_secreT')).not.toBe(fp);
  });

  it('writes canonical JSON: keys sorted at every level, undefined left out, arrays in order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: null }], c: 'é' } })).toBe(
      '{"a":{"c":"é","d":[3,{"x":null,"z":1}]},"b":1}',
    );
    expect(canonicalJson([2, 1])).toBe('[2,1]');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson({ B: 1, a: 2, _: 3, 1: 4 })).toBe('{"1":4,"B":1,"_":3,"a":2}');
  });

  it('orders keys by UTF-16 code units, so a hash never depends on locale or runtime', () => {
    // By code point U+FF21 (Ａ) would come before U+1F600 (😀); by code unit 0xD83D comes before 0xFF21.
    // A prefix comes before its extensions, and "10" before "9".
    expect(canonicalJson({ '\uff21': 1, '\u{1f600}': 2, ab: 3, a: 4, 9: 5, 10: 6 })).toBe(
      '{"10":6,"9":5,"a":4,"ab":3,"😀":2,"Ａ":1}',
    );
  });

  it('hashes the same request the same way in any key order, and differently per action or field', () => {
    const hash = requestHash('create', { amount: 1, email: 'a@b.co' });
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(requestHash('create', { email: 'a@b.co', amount: 1 })).toBe(hash);
    expect(requestHash('charge', { amount: 1, email: 'a@b.co' })).not.toBe(hash);
    expect(requestHash('create', { amount: 2, email: 'a@b.co' })).not.toBe(hash);
  });

  it('names one attempt of one request', () => {
    const tag = { merchant: 'fake:acct_1:test', referenceId: 'pedido-1', attemptId: 'att_1' };
    const key = idempotencyKey(tag, 'hash-1');
    expect(key).toMatch(/^pagos-[0-9a-f]{40}$/);
    expect(idempotencyKey({ ...tag }, 'hash-1')).toBe(key);
    const others = [
      idempotencyKey({ ...tag, merchant: 'fake:acct_2:test' }, 'hash-1'),
      idempotencyKey({ ...tag, referenceId: 'pedido-2' }, 'hash-1'),
      idempotencyKey({ ...tag, attemptId: 'att_2' }, 'hash-1'),
      idempotencyKey(tag, 'hash-2'),
    ];
    expect(new Set([key, ...others]).size).toBe(5);
  });
});
