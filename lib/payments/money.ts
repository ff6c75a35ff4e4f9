/**
 * Money is integer centavos everywhere inside Pagos. Pesos arrive from storefronts as a JSON
 * number or a numeric string and are converted by reading their decimal digits, never by
 * floating-point arithmetic (`10.07 * 100` is `1007.0000000000001`).
 */

/** Largest amount accepted (21,474,836.47 pesos): Conekta's unit_price is an int32 of centavos. */
export const MAX_AMOUNT_CENTAVOS = 2_147_483_647;

export type CentavosResult = { ok: true; centavos: number } | { ok: false; reason: string };

const PESOS_PATTERN = /^(0|[1-9]\d{0,9})(?:\.(\d{1,2}))?$/;

/**
 * `1000` -> 100000, `"10.07"` -> 1007, `1000.5` -> 100050.
 * Refused: zero, negatives, more than two decimals, exponents (`1e3`), NaN, Infinity, blanks.
 */
export function pesosToCentavos(value: unknown): CentavosResult {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, reason: 'must be a finite number' };
    // The shortest round-trip decimal form of the number, e.g. 10.07 -> "10.07".
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return { ok: false, reason: 'must be a number or a numeric string of pesos, e.g. 1000 or "1000.50"' };
  }
  const match = PESOS_PATTERN.exec(text);
  if (!match) {
    return {
      ok: false,
      reason: 'must be a positive amount of pesos with at most two decimals, e.g. 1000 or "1000.50"',
    };
  }
  // Stryker disable next-line StringLiteral: PESOS_PATTERN's first group is not optional: match[1] is always set
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').padEnd(2, '0');
  const centavos = Number(whole) * 100 + Number(fraction);
  if (centavos <= 0) return { ok: false, reason: 'must be greater than zero' };
  if (centavos > MAX_AMOUNT_CENTAVOS) return { ok: false, reason: 'must be at most 21474836.47' };
  return { ok: true, centavos };
}

/** 100050 -> "1000.50": the storefront-facing pesos string, built from integer digits only. */
export function centavosToPesos(centavos: number): string {
  if (!Number.isSafeInteger(centavos))
    throw new RangeError(`centavos must be a safe integer, got ${centavos}`);
  const sign = centavos < 0 ? '-' : '';
  const abs = Math.abs(centavos);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
