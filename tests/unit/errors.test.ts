/**
 * lib/payments/errors.ts and provider-errors.ts: what the caller is told for each failure, and
 * whether sending the same request again is safe.
 */
import {
  ErrorCode,
  inProgress,
  outcomeUnknown,
  PagosError,
  unknownReference,
} from '../../lib/payments/errors.js';
import {
  callProvider,
  mayHaveActed,
  ProviderError,
  type ProviderFailure,
  providerErrorToPagosError,
} from '../../lib/payments/provider-errors.js';

describe('PagosError', () => {
  it('carries status, code, message, details, provider, headers and cause', () => {
    const cause = new Error('root');
    const error = new PagosError({
      status: 409,
      code: ErrorCode.referenceConflict,
      message: 'conflict',
      details: [{ field: 'a', message: 'b' }],
      provider: { name: 'fake', retry_safe: false },
      headers: { 'Retry-After': '3' },
      cause,
    });
    expect(error).toMatchObject({
      name: 'PagosError',
      status: 409,
      code: 'reference_conflict',
      message: 'conflict',
      details: [{ field: 'a', message: 'b' }],
      provider: { name: 'fake', retry_safe: false },
      headers: { 'Retry-After': '3' },
    });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('has no details, provider, headers or cause unless given', () => {
    const error = new PagosError({ status: 400, code: ErrorCode.invalidRequest, message: 'x' });
    expect(error.details).toEqual([]);
    expect(error.provider).toBeUndefined();
    expect(error.headers).toEqual({});
    expect(error).not.toHaveProperty('cause');
  });

  it('inProgress: a 409 asking to send it again, in a second unless told otherwise', () => {
    expect(inProgress('wait')).toMatchObject({
      status: 409,
      code: 'request_in_progress',
      message: 'wait',
      headers: { 'Retry-After': '1' },
    });
    expect(inProgress('wait', 7).headers).toEqual({ 'Retry-After': '7' });
  });

  it('outcomeUnknown: a retry-safe 502, with a wait only when one is known', () => {
    const cause = new Error('lost');
    const error = outcomeUnknown({ provider: 'conekta', message: 'not sure', cause, retryAfterSeconds: 4 });
    expect(error).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
      message: 'not sure',
      provider: { name: 'conekta', retry_safe: true },
      headers: { 'Retry-After': '4' },
    });
    expect(error.cause).toBe(cause);
    expect(outcomeUnknown({ provider: 'conekta', message: 'not sure' }).headers).toEqual({});
  });

  it('unknownReference: a 404 saying how to create the payment', () => {
    expect(unknownReference('pedido-1')).toMatchObject({
      status: 404,
      code: 'unknown_reference',
      message:
        'No payment with reference_id pedido-1 for this merchant. Create it first with action "create" or "charge".',
    });
  });
});

describe('providerErrorToPagosError', () => {
  const TABLE: [ProviderFailure, number, string, boolean][] = [
    ['authentication', 401, 'provider_authentication_error', false],
    ['declined', 402, 'payment_declined', false],
    ['token_used', 502, 'provider_unavailable', true],
    ['validation', 422, 'provider_validation_error', false],
    ['precondition', 409, 'provider_conflict', false],
    ['not_found', 404, 'unknown_reference', false],
    ['rate_limited', 429, 'rate_limited', true],
    ['unavailable', 502, 'provider_unavailable', true],
    ['timeout', 504, 'provider_timeout', true],
    ['misfit', 502, 'provider_unavailable', true],
  ];

  it.each(TABLE)('%s -> HTTP %i %s, retry safe: %p', (failure, status, code, retrySafe) => {
    const error = new ProviderError({
      provider: 'fake',
      failure,
      outcome: 'unknown',
      message: 'x',
      details: [{ code: 'd' }],
    });
    const mapped = providerErrorToPagosError(error);
    expect(mapped).toMatchObject({
      status,
      code,
      details: [{ code: 'd' }],
      provider: { name: 'fake', retry_safe: retrySafe },
    });
    expect(mapped.message.length).toBeGreaterThan(10);
    expect(mapped.cause).toBe(error);
    expect(mapped.headers).toEqual(failure === 'rate_limited' ? { 'Retry-After': '2' } : {});
  });

  it('says what each failure means to the caller', () => {
    const message = (failure: ProviderFailure) =>
      providerErrorToPagosError(
        new ProviderError({ provider: 'fake', failure, outcome: 'unknown', message: 'x' }),
      ).message;
    expect(message('authentication')).toBe(
      'The provider rejected the secret. Check that it is a valid private API key of your account.',
    );
    expect(message('declined')).toBe('The payment was declined.');
    expect(message('token_used')).toContain('an earlier attempt of this payment may have charged the card');
    expect(message('validation')).toBe('The provider refused the request parameters; see details.');
    expect(message('precondition')).toBe(
      'The provider cannot do this in the payment’s current state; see details.',
    );
    expect(message('not_found')).toBe('The provider does not know this order.');
    expect(message('rate_limited')).toBe(
      'The provider is limiting requests and did nothing. Send the same request again in a moment.',
    );
    expect(message('unavailable')).toBe(
      'The provider failed to answer. Sending the same request again is safe.',
    );
    expect(message('timeout')).toBe(
      'The provider did not answer in time. Sending the same request again is safe.',
    );
    expect(message('misfit')).toContain('Nothing was recorded as done');
  });

  it('passes the provider’s status, type and log id through, only when it said them', () => {
    const full = new ProviderError({
      provider: 'conekta',
      failure: 'validation',
      outcome: 'not_processed',
      message: 'x',
      status: 422,
      type: 'parameter_validation_error',
      logId: null,
    });
    expect(providerErrorToPagosError(full).provider).toEqual({
      name: 'conekta',
      status: 422,
      type: 'parameter_validation_error',
      log_id: null,
      retry_safe: false,
    });
    const bare = new ProviderError({
      provider: 'conekta',
      failure: 'validation',
      outcome: 'not_processed',
      message: 'x',
    });
    expect(providerErrorToPagosError(bare).provider).toEqual({ name: 'conekta', retry_safe: false });
    expect(providerErrorToPagosError(bare).details).toEqual([]);
  });
});

describe('ProviderError, callProvider and mayHaveActed', () => {
  it('keeps what the provider said beyond its failure as info', () => {
    const cause = new Error('socket');
    const error = new ProviderError({
      provider: 'fake',
      failure: 'declined',
      outcome: 'not_processed',
      message: 'no',
      status: 402,
      cause,
    });
    expect(error).toMatchObject({
      name: 'ProviderError',
      provider: 'fake',
      failure: 'declined',
      outcome: 'not_processed',
      message: 'no',
    });
    expect(error.info).toEqual({ status: 402 });
    expect(error.cause).toBe(cause);
    expect(
      new ProviderError({ provider: 'f', failure: 'timeout', outcome: 'unknown', message: 'm' }),
    ).not.toHaveProperty('cause');
  });

  it('callProvider answers the call’s value, and turns a provider failure into the caller’s error', async () => {
    expect(await callProvider(async () => 5)).toBe(5);
    const failure = new ProviderError({
      provider: 'fake',
      failure: 'timeout',
      outcome: 'unknown',
      message: 'slow',
    });
    await expect(
      callProvider(async () => {
        throw failure;
      }),
    ).rejects.toMatchObject({ name: 'PagosError', status: 504, cause: failure });
    const bug = new RangeError('bug');
    await expect(
      callProvider(async () => {
        throw bug;
      }),
    ).rejects.toBe(bug);
  });

  it('mayHaveActed: unless the provider surely did nothing', () => {
    const failure = (outcome: 'unknown' | 'not_processed') =>
      new ProviderError({ provider: 'f', failure: 'unavailable', outcome, message: 'm' });
    expect(mayHaveActed(failure('unknown'))).toBe(true);
    expect(mayHaveActed(failure('not_processed'))).toBe(false);
    expect(mayHaveActed(new Error('crash'))).toBe(true);
  });
});

describe('error names and the provider’s own words', () => {
  it('names each error class, as logs show it', async () => {
    const { ValidationError } = await import('../../lib/payments/errors.js');
    const { WebhookConfigError } = await import('../../lib/payments/ports.js');
    expect(new ValidationError([{ field: 'a', message: 'b' }]).name).toBe('ValidationError');
    expect(new WebhookConfigError('x').name).toBe('WebhookConfigError');
    const { RateLimitedError } = await import('../../lib/payments/errors.js');
    expect(new RateLimitedError('key', { message: 'x' }).name).toBe('RateLimitedError');
    expect(new PagosError({ status: 400, code: ErrorCode.invalidRequest, message: 'x' }).name).toBe(
      'PagosError',
    );
  });

  it('WebhookConfigError: carries its cause and problem only when given', async () => {
    const { WebhookConfigError } = await import('../../lib/payments/ports.js');
    const cause = new SyntaxError('bad key');
    expect(new WebhookConfigError('x', { cause, problem: 'invalid' })).toMatchObject({
      message: 'x',
      cause,
      problem: 'invalid',
    });
    // No `cause: undefined` key for the logs to print, as PagosError.
    const bare = new WebhookConfigError('x');
    expect(bare).not.toHaveProperty('cause');
    expect(bare.problem).toBe('missing');
  });

  it('says in full what a used token and a misfit answer mean', () => {
    const message = (failure: ProviderFailure) =>
      providerErrorToPagosError(
        new ProviderError({ provider: 'fake', failure, outcome: 'unknown', message: 'x' }),
      ).message;
    expect(message('token_used')).toBe(
      'The card token was already used, so an earlier attempt of this payment may have charged the card. ' +
        'Pagos is confirming with the provider; send the same request again in a moment.',
    );
    expect(message('misfit')).toBe(
      'The provider answered about something else than was asked. Nothing was recorded as done; sending the ' +
        'same request again is safe.',
    );
  });
});
