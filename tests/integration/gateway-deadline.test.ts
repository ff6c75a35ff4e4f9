/**
 * lib/http/deadline.ts with a Lambda context that counts down (the end-to-end case, behind the
 * gateway with Conekta hanging, is in gateway-timeout.test.ts).
 */
import middy from '@middy/core';
import {
  answerBeforeDeadline,
  DEFAULT_DEADLINE_MARGIN_MS,
  deadlineExceeded,
  deadlineFrom,
} from '../../lib/http/deadline.js';

const countdown = (ms: number) => {
  const end = Date.now() + ms;
  return { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
};

it('deadlineFrom: now + remaining - margin (1500 ms by default); none without a Lambda context', () => {
  expect(deadlineFrom({ getRemainingTimeInMillis: () => 10_000 }, undefined, 1_000_000)).toBe(
    1_000_000 + 10_000 - DEFAULT_DEADLINE_MARGIN_MS,
  );
  expect(deadlineFrom({ getRemainingTimeInMillis: () => 10_000 }, 200, 0)).toBe(9800);
  expect(deadlineFrom(undefined)).toBeUndefined();
  expect(deadlineFrom({})).toBeUndefined();
});

it('deadlineExceeded: 504 provider_timeout, retry-safe', () => {
  expect(deadlineExceeded()).toMatchObject({
    status: 504,
    code: 'provider_timeout',
    provider: { name: 'conekta', retry_safe: true },
  });
});

describe('answerBeforeDeadline', () => {
  it('answers the retry-safe 504 `marginMs` before the Lambda timeout when the handler has not', async () => {
    const never = middy(() => new Promise<never>(() => {}), answerBeforeDeadline({ marginMs: 300 }));
    const started = Date.now();
    const answer = (await never({}, countdown(800) as never)) as { statusCode: number; body: string };
    const elapsed = Date.now() - started;
    expect(answer.statusCode).toBe(504);
    expect(JSON.parse(answer.body)).toEqual({
      error: {
        code: 'provider_timeout',
        message: expect.stringContaining('Sending the same request again is safe.'),
        details: [],
        provider: { name: 'conekta', retry_safe: true },
      },
    });
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(800);
  });

  it('changes nothing for a handler that answers in time', async () => {
    const quick = middy(async () => ({ statusCode: 200, body: 'done' }), answerBeforeDeadline());
    expect(await quick({}, countdown(5000) as never)).toEqual({ statusCode: 200, body: 'done' });
  });
});
