/** Configuration from the environment, read once per Lambda instance. */

export type PagosConfig = {
  paymentsTable: string;
  conekta: { baseUrl: string; apiVersion: string; timeoutMs: number; returnPath: string };
  create: { leaseMs: number; waitForInFlightMs: number; pollIntervalMs: number; defaultPhone: string };
  maxBodyBytes: number;
  logLevel: string;
  /** `PAGOS_LOCAL_MODE=true`: the storefront may live on this machine (loopback notification URLs). */
  localMode: boolean;
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number of milliseconds, got "${raw}"`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): PagosConfig {
  const timeoutMs = integer(env, 'CONEKTA_TIMEOUT_MS', 8000);
  return {
    paymentsTable: env.PAYMENTS_TABLE || 'pagos-local-payments',
    conekta: {
      baseUrl: env.CONEKTA_API_URL || 'https://api.conekta.io',
      apiVersion: env.CONEKTA_API_VERSION || '2.3.0',
      timeoutMs,
      returnPath: env.CONEKTA_RETURN_PATH || '/conekta/conekta_order',
    },
    create: {
      // The claimer owns a create for longer than one Conekta call can take.
      leaseMs: integer(env, 'CREATE_LEASE_MS', timeoutMs + 5000),
      waitForInFlightMs: integer(env, 'IN_FLIGHT_WAIT_MS', 3000),
      pollIntervalMs: integer(env, 'IN_FLIGHT_POLL_MS', 100),
      defaultPhone: env.DEFAULT_CUSTOMER_PHONE || '5555555555',
    },
    maxBodyBytes: 16 * 1024,
    // Powertools' own setting first, like Powertools itself; any case.
    logLevel: env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || 'info',
    localMode: env.PAGOS_LOCAL_MODE === 'true',
  };
}
