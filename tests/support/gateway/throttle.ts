/**
 * Route throttling like an HTTP API stage's `ThrottlingRateLimit` / `ThrottlingBurstLimit`: a token
 * bucket that starts full at the burst and refills at the rate per second.
 */
export type ThrottleSettings = { rateLimit: number; burstLimit: number };

export type TokenBucket = { take(): boolean };

export function tokenBucket(
  { rateLimit, burstLimit }: ThrottleSettings,
  now = () => Date.now(),
): TokenBucket {
  let tokens = burstLimit;
  let refilledAt = now();
  return {
    take() {
      const at = now();
      tokens = Math.min(burstLimit, tokens + ((at - refilledAt) / 1000) * rateLimit);
      refilledAt = at;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
