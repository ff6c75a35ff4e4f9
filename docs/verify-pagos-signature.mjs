import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The notification in `rawBody` (the request body exactly as received, string or Buffer, before
 * any JSON parsing) when it is authentic and yours, else null. Authentic: `header` (the
 * Pagos-Signature request header) holds a v1 signature of it by your signing secret (`secret`, or
 * a list of secrets while you switch to a new one), made at most `toleranceSeconds` ago (or
 * ahead, for clock skew). Yours: it names your `merchant` id and your `livemode`; a notification
 * of any other Pagos account, even signed correctly with its own secret, is refused.
 */
export function verifyPagosNotification(
  rawBody,
  header,
  { secret, merchant, livemode, toleranceSeconds = 300, now = Date.now() },
) {
  const pairs = String(header ?? '')
    .split(',')
    .map((part) => part.trim().split('='));
  const t = pairs.find(([key]) => key === 't')?.[1];
  if (!/^\d{1,12}$/.test(t ?? '') || Math.abs(now / 1000 - Number(t)) > toleranceSeconds) return null;
  const signed = [secret]
    .flat()
    .filter((s) => typeof s === 'string' && s !== '')
    .some((key) => {
      const expected = createHmac('sha256', key).update(`${t}.`).update(rawBody).digest();
      return pairs.some(
        ([name, value]) =>
          name === 'v1' &&
          /^[0-9a-f]{64}$/.test(value ?? '') &&
          timingSafeEqual(Buffer.from(value, 'hex'), expected),
      );
    });
  if (!signed) return null;
  let notification;
  try {
    notification = JSON.parse(Buffer.isBuffer(rawBody) ? rawBody.toString('utf8') : String(rawBody));
  } catch {
    return null;
  }
  if (notification?.merchant !== merchant || notification?.livemode !== livemode) return null;
  return notification;
}
