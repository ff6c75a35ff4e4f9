/**
 * The providers Pagos speaks, by the name storefronts send as `provider` and Conekta's webhooks
 * use in their route. A new provider is a folder under lib/providers/<name>/ and one line here.
 */
import type { PaymentProvider } from '../payments/ports.js';
import { conektaFromEnv } from './conekta/config.js';

export type ProviderFactory = (env: NodeJS.ProcessEnv) => PaymentProvider;

export const PROVIDERS: Readonly<Record<string, ProviderFactory>> = {
  conekta: conektaFromEnv,
};

/** Every registered provider, built from the environment. */
export function providersFrom(
  env: NodeJS.ProcessEnv,
  factories: Readonly<Record<string, ProviderFactory>> = PROVIDERS,
): Record<string, PaymentProvider> {
  return Object.fromEntries(Object.entries(factories).map(([name, make]) => [name, make(env)]));
}
