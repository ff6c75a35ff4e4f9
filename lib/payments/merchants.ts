/**
 * Who is calling: a provider credential resolved to the merchant it belongs to (the provider's
 * account, in test or live mode), so a key rotation keeps every payment. Resolved once per
 * credential fingerprint (stored, and kept in the warm function's memory); a credential the
 * provider refused is refused again without asking it, for a while. Every request is counted
 * against its credential's rate limit; credentials never seen before are also limited per
 * source address, so the API is no oracle for testing stolen keys.
 */
import { ErrorCode, PagosError, type RateLimit, RateLimitedError } from './errors.js';
import { credentialFingerprint } from './fingerprints.js';
import type { Merchant } from './model.js';
import type { MerchantStore, PaymentProvider, SigningSecret } from './ports.js';
import { ProviderError, providerErrorToPagosError } from './provider-errors.js';

export type AdmissionConfig = {
  /** Requests per credential per minute; 0 turns the limit off. */
  perCredentialPerMinute: number;
  /** Credentials never seen before, resolved per source address per minute; 0: no limit. */
  unknownPerSourcePerMinute: number;
  /** How long a refused credential is refused without asking the provider. */
  refusalMs: number;
  /** How long a resolved credential is kept in the function's memory. */
  memoryMs: number;
};

export type AdmissionDeps = {
  store: MerchantStore;
  config: AdmissionConfig;
  now: () => number;
  /** The function instance's memory: fingerprint -> merchant. */
  memory: Map<string, { merchant: Merchant; until: number }>;
};

export const merchantId = (provider: string, accountId: string, livemode: boolean) =>
  `${provider}:${accountId}:${livemode ? 'live' : 'test'}`;

const MINUTE = 60_000;

function rateLimited(retryAfterSeconds: number, limit: RateLimit, what: string): PagosError {
  return new RateLimitedError(limit, {
    message: `Too many requests ${what}. Send it again in ${retryAfterSeconds} s.`,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

const refused = (provider: string, message: string) =>
  new PagosError({
    status: 401,
    code: ErrorCode.providerAuthentication,
    message,
    provider: { name: provider, status: 401, retry_safe: false },
  });

/** Anything but a refused key, while asking who a key belongs to, is the provider failing us: 502, retry-safe. */
function unidentified(provider: string, error: ProviderError): PagosError {
  return new PagosError({
    status: 502,
    code: ErrorCode.providerUnavailable,
    message: `Could not learn from the provider which account this key belongs to (${error.message}). Sending the same request again is safe.`,
    provider: {
      name: provider,
      ...(error.info.status !== undefined && { status: error.info.status }),
      retry_safe: true,
    },
    cause: error,
  });
}

/** The merchant behind a credential, after the credential's request was counted. */
export async function admit(
  deps: AdmissionDeps,
  provider: PaymentProvider,
  request: { secret: string; sourceIp: string; deadline: number },
): Promise<Merchant> {
  const now = deps.now();
  const fingerprint = credentialFingerprint(`${provider.name}\n${request.secret}`);
  const windowStart = Math.floor(now / MINUTE) * MINUTE;
  const retryAfter = Math.max(1, Math.ceil((windowStart + MINUTE - now) / 1000));
  const remembered = deps.memory.get(fingerprint);
  const [known, counted] = await Promise.all([
    remembered && remembered.until > now
      ? Promise.resolve({ state: 'resolved' as const, merchant: remembered.merchant })
      : deps.store.getCredential(fingerprint),
    deps.config.perCredentialPerMinute > 0
      ? deps.store.takeRequest(`key:${fingerprint}`, {
          startMs: windowStart,
          lengthMs: MINUTE,
          limit: deps.config.perCredentialPerMinute,
        })
      : Promise.resolve(true),
  ]);
  if (!counted) throw rateLimited(retryAfter, 'key', 'for this API key');
  if (known?.state === 'resolved') {
    deps.memory.set(fingerprint, { merchant: known.merchant, until: now + deps.config.memoryMs });
    return known.merchant;
  }
  if (known?.state === 'refused' && known.until > now) throw refused(provider.name, known.message);

  if (
    deps.config.unknownPerSourcePerMinute > 0 &&
    !(await deps.store.takeRequest(`source:${request.sourceIp}`, {
      startMs: windowStart,
      lengthMs: MINUTE,
      limit: deps.config.unknownPerSourcePerMinute,
    }))
  ) {
    throw rateLimited(
      retryAfter,
      'new_keys_per_source',
      'with API keys this service has not seen from this address',
    );
  }
  let account: Awaited<ReturnType<PaymentProvider['resolveAccount']>>;
  try {
    account = await provider.resolveAccount({ secret: request.secret }, request.deadline);
  } catch (error) {
    if (error instanceof ProviderError && error.failure === 'authentication') {
      const message = providerErrorToPagosError(error).message;
      await deps.store.putCredential(fingerprint, {
        state: 'refused',
        until: now + deps.config.refusalMs,
        message,
      });
      throw refused(provider.name, message);
    }
    if (error instanceof ProviderError && error.failure === 'rate_limited')
      throw providerErrorToPagosError(error);
    throw error instanceof ProviderError ? unidentified(provider.name, error) : error;
  }
  const merchant: Merchant = {
    id: merchantId(provider.name, account.accountId, account.livemode),
    provider: provider.name,
    accountId: account.accountId,
    livemode: account.livemode,
  };
  await deps.store.putCredential(fingerprint, { state: 'resolved', merchant });
  deps.memory.set(fingerprint, { merchant, until: now + deps.config.memoryMs });
  return merchant;
}

/** The `signing_secret` action: the merchant's notification signing secrets, rotated on request. */
export async function signingSecrets(
  deps: { store: MerchantStore; now: () => number; newSecret: (now: number) => SigningSecret },
  merchant: Merchant,
  request: { rotate: boolean; graceHours: number },
) {
  const now = deps.now();
  const secrets = request.rotate
    ? await deps.store.rotateSigningSecret(
        merchant.id,
        deps.newSecret(now),
        now + request.graceHours * 3_600_000,
      )
    : await deps.store.signingSecrets(merchant.id, now);
  return {
    merchant: merchant.id,
    livemode: merchant.livemode,
    signing_secrets: secrets.map((s) => ({
      id: s.id,
      secret: s.secret,
      created_at: s.createdAt,
      expires_at: s.expiresAt ?? null,
    })),
  };
}
