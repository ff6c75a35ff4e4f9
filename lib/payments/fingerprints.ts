/** Stable, one-way names for credentials, requests and attempts: the secret itself is never kept. */
import { createHash } from 'node:crypto';
import type { OrderTag } from './ports.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A credential's fingerprint (SHA-256; provider keys are long random strings, so it cannot be reversed). */
export function credentialFingerprint(secret: string): string {
  return `fp_${sha256Hex(secret).slice(0, 40)}`;
}

/** Canonical JSON: keys sorted at every level, so equal requests hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    // sort() with no comparator orders strings by UTF-16 code units, as `<` does.
    const keys = Object.keys(object)
      .filter((k) => object[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(object[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(action: string, request: unknown): string {
  return sha256Hex(`${action}\n${canonicalJson(request)}`);
}

/**
 * Names one attempt of one request: a corrected request is a new attempt with a new key, and
 * the same attempt called again (after a search proved it made nothing) keeps its key.
 */
export function idempotencyKey(tag: OrderTag, requestHashOfAttempt: string): string {
  return `pagos-${sha256Hex(`${tag.merchant}\n${tag.referenceId}\n${tag.attemptId}\n${requestHashOfAttempt}`).slice(0, 40)}`;
}
