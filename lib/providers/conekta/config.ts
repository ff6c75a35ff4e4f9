/** Conekta's settings from the environment. */
import { envInteger } from '../../config.js';
import type { PaymentProvider } from '../../payments/ports.js';
import type { HttpTransport } from '../http-transport.js';
import { createConektaProvider } from './provider.js';

/** `fetch` replaces node:https (tests); everything else comes from the environment. */
export function conektaFromEnv(
  env: NodeJS.ProcessEnv,
  options: { fetch?: HttpTransport } = {},
): PaymentProvider {
  return createConektaProvider({
    ...(options.fetch && { fetch: options.fetch }),
    baseUrl: env.CONEKTA_API_URL || 'https://api.conekta.io',
    apiVersion: env.CONEKTA_API_VERSION || '2.3.0',
    timeoutMs: envInteger(env, 'CONEKTA_TIMEOUT_MS', 8_000),
    returnPath: env.CONEKTA_RETURN_PATH || '/conekta/conekta_order',
    // Read at each verification: a new key needs no restart.
    webhookPublicKeys: () => env.CONEKTA_WEBHOOK_PUBLIC_KEYS,
    searchMaxPages: envInteger(env, 'CONEKTA_SEARCH_MAX_PAGES', 8),
  });
}
