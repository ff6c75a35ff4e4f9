/**
 * Field readers for request bodies. Each one records a problem instead of throwing, so a
 * request hears about every bad field at once.
 */
import { ErrorCode, type FieldIssue, PagosError, ValidationError } from './errors.js';
import { pesosToCentavos } from './money.js';

export type JsonObject = Record<string, unknown>;

/**
 * What the JSON body reader puts in place of a number whose text is not the number JavaScript
 * reads back (`1e3`, `1000.50`, `10.0000000000000001`): its source text, so money is read from
 * the digits the caller wrote, and every other field refuses it.
 */
export const NUMBER_SOURCE = '$number';
const sourceOf = (value: unknown): string | undefined =>
  isJsonObject(value) && typeof value[NUMBER_SOURCE] === 'string'
    ? (value[NUMBER_SOURCE] as string)
    : undefined;

/** Pesos from a number, a numeric string, or a number's source text. */
function readPesos(value: unknown) {
  const source = sourceOf(value);
  if (source !== undefined && /[eE]/.test(source)) {
    return { ok: false as const, reason: 'must be written without an exponent, e.g. 1000 rather than 1e3' };
  }
  return pesosToCentavos(source ?? value);
}

export type Buyer = { firstName: string; lastName: string; email: string; phone: string | undefined };

export type LineItemRequest = { name: string; unitPriceCents: number; quantity: number };

export const METADATA_MAX_KEYS = 20;
export const LINE_ITEMS_MAX = 50;

/** Conekta's customer_info: one name, and a phone it requires even when the buyer gave none. */
export function customerOf(buyer: Buyer, defaultPhone: string) {
  return {
    name: `${buyer.firstName} ${buyer.lastName}`,
    email: buyer.email,
    phone: buyer.phone ?? defaultPhone,
  };
}

/** Says what is wrong with a notification URL Pagos would have to call, or undefined when it is fine. */
export type NotificationUrlPolicy = (url: string) => string | undefined;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// WHATWG-style pragmatic check: one @, no spaces, a dot in the domain, sane length.
const EMAIL_PATTERN = /^[^\s@"<>()[\]\\,;:]+@[^\s@"<>()[\]\\,;:]+\.[^\s@"<>()[\]\\,;:]{2,}$/;
const PHONE_PATTERN = /^\+?[0-9]{8,15}$/;
const LONE_SURROGATE = /\p{Cs}/u;

export class FieldReader {
  readonly issues: FieldIssue[] = [];

  constructor(private readonly body: JsonObject) {}

  fail(field: string, message: string): undefined {
    this.issues.push({ field, message });
    return undefined;
  }

  /** Throws one ValidationError naming every problem found so far. */
  throwIfInvalid(): void {
    if (this.issues.length > 0) throw new ValidationError(this.issues);
  }

  has(field: string): boolean {
    return this.body[field] !== undefined && this.body[field] !== null;
  }

  string(field: string, opts: { required: boolean; min?: number; max: number }): string | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      return opts.required ? this.fail(field, 'is required') : undefined;
    }
    if (typeof value !== 'string') return this.fail(field, 'must be a string');
    // A lone surrogate (`"\ud800"` is valid JSON) has no UTF-8 form: DynamoDB and Conekta cannot take it.
    if (LONE_SURROGATE.test(value)) return this.fail(field, 'must be valid Unicode text');
    const min = opts.min ?? 1;
    if (value.trim().length < min) {
      return this.fail(field, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    }
    if (value.length > opts.max) return this.fail(field, `must be at most ${opts.max} characters`);
    return value;
  }

  /** A provider credential; the provider says what its shape must be. */
  secret(field: string, problem: (secret: string) => string | undefined): string | undefined {
    const value = this.string(field, { required: true, max: 200 });
    if (value === undefined) return undefined;
    const wrong = problem(value);
    return wrong ? this.fail(field, wrong) : value;
  }

  /**
   * The storefront's order id in its one canonical form: NFC (a decomposed é is the same
   * reference as a composed one); no control or invisible format characters, no compatibility
   * look-alikes (full-width digits), no surrounding white space.
   */
  reference(field: string): string | undefined {
    const value = this.string(field, { required: true, max: 249 });
    if (value === undefined) return undefined;
    const nfc = value.normalize('NFC');
    if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(nfc)) {
      return this.fail(
        field,
        'must not contain control or invisible characters (zero-width spaces, joiners, marks)',
      );
    }
    // \p{Z} at either end: with control and format characters refused above, all that trim() would remove.
    if (/^[\p{Z}]|[\p{Z}]$/u.test(nfc)) {
      return this.fail(field, 'must not start or end with white space');
    }
    if (nfc.normalize('NFKC') !== nfc) {
      return this.fail(
        field,
        `must use plain characters, not compatibility look-alikes such as full-width digits (send "${nfc.normalize('NFKC')}")`,
      );
    }
    return nfc;
  }

  /** The storefront's own data for the order: string values, bounded, our own keys reserved. */
  metadata(field: string, reserved: (key: string) => boolean): Record<string, string> | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!isJsonObject(value)) return this.fail(field, 'must be an object of string values');
    const entries = Object.entries(value);
    if (entries.length > METADATA_MAX_KEYS)
      return this.fail(field, `must have at most ${METADATA_MAX_KEYS} keys`);
    let ok = true;
    for (const [key, v] of entries) {
      if (!/^[A-Za-z0-9_.-]{1,40}$/.test(key)) {
        ok = !!this.fail(`${field}.${key}`, 'keys must be 1 to 40 letters, digits, "_", "-" or "."');
      } else if (reserved(key)) {
        ok = !!this.fail(`${field}.${key}`, 'is a key Pagos writes itself; use another name');
      } else if (typeof v !== 'string' || v.length > 249 || LONE_SURROGATE.test(v)) {
        ok = !!this.fail(`${field}.${key}`, 'must be a string of at most 249 characters');
      }
    }
    return ok ? (Object.fromEntries(entries) as Record<string, string>) : undefined;
  }

  /** Optional `line_items`: name, unit_price in pesos (at most two decimals), quantity. */
  lineItems(field: string): LineItemRequest[] | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.length === 0 || value.length > LINE_ITEMS_MAX) {
      return this.fail(field, `must be a list of 1 to ${LINE_ITEMS_MAX} items`);
    }
    const items: LineItemRequest[] = [];
    for (const [i, item] of (value as unknown[]).entries()) {
      const at = `${field}[${i}]`;
      if (!isJsonObject(item)) {
        this.fail(at, 'must be an object with name, unit_price and quantity');
        continue;
      }
      const extra = Object.keys(item).filter((k) => !['name', 'unit_price', 'quantity'].includes(k));
      for (const k of extra) this.fail(`${at}.${k}`, 'is not a field of a line item');
      const name = item.name;
      const okName =
        typeof name === 'string' &&
        name.trim().length >= 3 &&
        name.length <= 249 &&
        !LONE_SURROGATE.test(name);
      if (!okName) this.fail(`${at}.name`, 'must be a text of 3 to 249 characters');
      const price = readPesos(item.unit_price);
      if (!price.ok) this.fail(`${at}.unit_price`, price.reason);
      const quantity = item.quantity;
      const okQuantity =
        Number.isInteger(quantity) && (quantity as number) >= 1 && (quantity as number) <= 10_000;
      if (!okQuantity) this.fail(`${at}.quantity`, 'must be a whole number from 1 to 10000');
      if (okName && price.ok && okQuantity && extra.length === 0) {
        items.push({ name: name as string, unitPriceCents: price.centavos, quantity: quantity as number });
      }
    }
    return items.length === value.length ? items : undefined;
  }

  email(field: string, opts: { required: boolean }): string | undefined {
    const value = this.string(field, { required: opts.required, max: 254 });
    if (value === undefined) return undefined;
    if (!EMAIL_PATTERN.test(value)) return this.fail(field, 'must be an email address like name@example.com');
    return value;
  }

  phone(field: string): string | undefined {
    const value = this.string(field, { required: false, max: 20 });
    if (value === undefined) return undefined;
    const digits = value.replace(/[\s()-]/g, '');
    if (!PHONE_PATTERN.test(digits)) return this.fail(field, 'must be a phone number of 8 to 15 digits');
    return digits;
  }

  /** An http(s) URL that Pagos will POST to: also checked against the policy (public addresses only). */
  notificationUrl(
    field: string,
    opts: { required: boolean; policy: NotificationUrlPolicy },
  ): string | undefined {
    const value = this.httpUrl(field, opts);
    if (value === undefined) return undefined;
    const problem = opts.policy(value);
    return problem ? this.fail(field, problem) : value;
  }

  httpUrl(field: string, opts: { required: boolean }): string | undefined {
    const value = this.string(field, { required: opts.required, max: 2048 });
    if (value === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return this.fail(field, 'must be an absolute http(s) URL, e.g. https://shop.example.com/path');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return this.fail(field, 'must use http or https');
    }
    if (url.username || url.password) return this.fail(field, 'must not contain credentials');
    return value;
  }

  centavos(field: string, opts: { required: boolean }): number | undefined {
    const value = this.body[field];
    if (value === undefined || value === null) {
      return opts.required ? this.fail(field, 'is required') : undefined;
    }
    const result = readPesos(value);
    return result.ok ? result.centavos : this.fail(field, result.reason);
  }

  integer(field: string, opts: { min: number; max: number; fallback: number }): number {
    const value = this.body[field];
    if (value === undefined || value === null) return opts.fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < opts.min || value > opts.max) {
      this.fail(field, `must be a whole number from ${opts.min} to ${opts.max}`);
      return opts.fallback;
    }
    return value;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.body[field];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'boolean') {
      this.fail(field, 'must be true or false');
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(field: string, allowed: readonly T[], fallback: T): T {
    const value = this.body[field];
    if (value === undefined || value === null) return fallback;
    // `allowed` holds strings only: includes() finds no other type.
    if (!allowed.includes(value as T)) {
      this.fail(field, `must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  /** A non-empty list of distinct values from `allowed`. */
  subset<T extends string>(field: string, allowed: readonly T[], fallback: readonly T[]): T[] {
    const value = this.body[field];
    if (value === undefined || value === null) return [...fallback];
    const valid =
      Array.isArray(value) &&
      value.length > 0 &&
      value.every((v) => allowed.includes(v as T)) &&
      new Set(value).size === value.length;
    if (!valid) {
      this.fail(field, `must be a non-empty list of distinct values from: ${allowed.join(', ')}`);
      return [...fallback];
    }
    return value as T[];
  }

  /** The buyer fields `create` and `charge` share. */
  buyer(): Buyer | undefined {
    const firstName = this.string('first_name', { required: true, max: 100 });
    const lastName = this.string('last_name', { required: true, max: 100 });
    const email = this.email('email', { required: true });
    const phone = this.phone('phone');
    if (firstName === undefined || lastName === undefined || email === undefined) return undefined;
    return { firstName: firstName.trim(), lastName: lastName.trim(), email, phone };
  }

  /** Fields the action does not know: named, so a typo is not silently ignored. */
  rejectUnknown(known: readonly string[]): void {
    for (const field of Object.keys(this.body)) {
      if (!known.includes(field)) this.fail(field, 'is not a field of this action');
    }
  }
}

/** No request needs more than a few levels; 8,000 of them would overflow any recursive walk. */
export const MAX_NESTING = 32;

/** Refuses a body nested deeper than MAX_NESTING, measured without recursion. */
export function refuseDeepNesting(body: unknown): void {
  const stack: [unknown, number][] = [[body, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_NESTING) {
      throw new PagosError({
        status: 400,
        code: ErrorCode.invalidRequest,
        message: `The request body nests deeper than ${MAX_NESTING} levels.`,
        details: [{ field: '(body)', message: `must not nest deeper than ${MAX_NESTING} levels` }],
      });
    }
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}

const RAW_CARD_FIELDS = new Set([
  'number',
  'card_number',
  'cardnumber',
  'pan',
  'cvc',
  'cvv',
  'cvv2',
  'card',
  'exp_month',
  'exp_year',
  'expiry',
  'expiration',
]);

/** 13 to 19 digits (spaces or dashes between) that pass the Luhn check: a card number. */
export function looksLikeCardNumber(text: string): boolean {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d{13,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    // A doubled digit above 4 has two digits, which add up to d * 2 - 9.
    if (i % 2 === 1) d = d > 4 ? d * 2 - 9 : d * 2;
    // Stryker disable next-line AssignmentOperator: a negated sum is divisible by 10 exactly when the sum is, so the Luhn check answers the same
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Finds raw card fields anywhere in the body, at any depth. Inside the storefront's `metadata`
 * its own key names are free (an "order number" is not a card); its values are checked instead.
 */
export function findRawCardFields(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => findRawCardFields(item, `${path}[${i}]`));
  if (!isJsonObject(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const here = path ? `${path}.${key}` : key;
    if (path === '' && key === 'metadata' && isJsonObject(child)) {
      return Object.entries(child).flatMap(([k, v]) =>
        typeof v === 'string' && looksLikeCardNumber(v) ? [`metadata.${k}`] : [],
      );
    }
    const own = RAW_CARD_FIELDS.has(key.toLowerCase()) ? [here] : [];
    return [...own, ...findRawCardFields(child, here)];
  });
}

/** PCI DSS: Pagos never receives card numbers; browsers tokenize with Conekta's tokenizer. */
export function refuseRawCardData(body: unknown): void {
  const fields = findRawCardFields(body);
  if (fields.length === 0) return;
  throw new PagosError({
    status: 400,
    code: ErrorCode.rawCardNotAllowed,
    message:
      'Pagos never accepts card data. Tokenize the card in the browser with the provider’s tokenizer ' +
      '(Conekta.js / Component) and send the resulting token as token_id.',
    details: fields.map((field) => ({ field, message: 'raw card data is not accepted' })),
  });
}
