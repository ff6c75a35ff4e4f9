/** Stable, one-way names for merchants and requests: the secret itself is never kept. */
import { createHash } from 'node:crypto';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The merchant is the SHA-256 of its Conekta key (96 bits kept: collisions are not a concern). */
export function merchantFingerprint(secret: string): string {
  return `m_${sha256Hex(secret).slice(0, 24)}`;
}

/** Canonical JSON: keys sorted at every level, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(action: string, request: unknown): string {
  return sha256Hex(`${action}\n${canonicalJson(request)}`);
}

/** Same merchant and reference, same key: Conekta may ignore it, but it can only help. */
export function idempotencyKey(merchant: string, referenceId: string): string {
  return `pagos-${sha256Hex(`${merchant}\n${referenceId}`).slice(0, 40)}`;
}
