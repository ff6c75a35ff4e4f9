import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * True when `header` (the Pagos-Signature request header) signs `rawBody` (the request body
 * exactly as received, string or Buffer, before any JSON parsing) with your signing secret,
 * and was made at most `toleranceSeconds` ago (or ahead, for clock skew).
 */
export function verifyPagosSignature(
  rawBody,
  header,
  secret,
  { toleranceSeconds = 300, now = Date.now() } = {},
) {
  const pairs = String(header ?? '')
    .split(',')
    .map((part) => part.trim().split('='));
  const t = pairs.find(([key]) => key === 't')?.[1];
  if (!/^\d{1,12}$/.test(t ?? '') || Math.abs(now / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.`).update(rawBody).digest();
  return pairs.some(
    ([key, value]) =>
      key === 'v1' &&
      /^[0-9a-f]{64}$/.test(value ?? '') &&
      timingSafeEqual(Buffer.from(value, 'hex'), expected),
  );
}
