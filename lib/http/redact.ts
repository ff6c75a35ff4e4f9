/**
 * What must never reach a log line: the Conekta secret, tokens, emails, phones, names and card-like
 * numbers. `redact` works on plain JSON (a line already serialized, then parsed back), so nothing
 * hides in getters, Error fields or class instances; strings are scanned wherever they sit, and
 * strings holding JSON are parsed and redacted field by field.
 */

export const REDACTED = '[redacted]';

export type BoundedMemo = ((key: string) => string) & { size(): number };

/** `fn` remembered for up to `max` distinct arguments, then forgotten all at once and refilled. */
export function boundedMemo(fn: (key: string) => string, max: number): BoundedMemo {
  const known = new Map<string, string>();
  const memo = (key: string): string => {
    let value = known.get(key);
    if (value === undefined) {
      value = fn(key);
      if (known.size >= max) known.clear();
      known.set(key, value);
    }
    return value;
  };
  return Object.assign(memo, { size: () => known.size });
}

// Memoized: a webhook body and a log line repeat the same few dozen keys on every request, and
// normalizing them was half the time spent finding a body's sensitive values (bench/README.md).
// Bounded, as keys come from callers.
const normalize = boundedMemo((key) => key.toLowerCase().replace(/[^a-z0-9]/g, ''), 1024);

/** Field names whose value is never logged, written as compared: lower case, no `_` or `-`. */
const SENSITIVE_FIELDS = new Set(
  (
    'secret authorization cookie token tokenid email phone firstname lastname name fullname customerinfo ' +
    'number cardnumber pan cvc cvv cvv2 card expmonth expyear digest signature pagossignature password ' +
    'apikey privatekey'
  ).split(' '),
);
const SENSITIVE_SUFFIX = /(secret|token|password|email|phone)$/;
const NAME_FIELDS = new Set(['name', 'firstname', 'lastname', 'fullname']);
/**
 * The fields whose values a request teaches the redactor. Not a bare `name`: Conekta names line
 * items and checkouts after the reference, which must stay readable; the buyer's name is under
 * `customer_info`.
 */
const TAUGHT_FIELDS = new Set(
  'secret token tokenid email phone firstname lastname fullname customerinfo number cardnumber cvc card password'.split(
    ' ',
  ),
);

/** An error class name (`TypeError`) is not a person's name. */
const ERROR_NAME = /^[A-Za-z]*(Error|Exception)$/;

function isSensitiveField(key: string, value: unknown): boolean {
  const k = normalize(key);
  if (k === 'name' && typeof value === 'string' && ERROR_NAME.test(value)) return false;
  return SENSITIVE_FIELDS.has(k) || SENSITIVE_SUFFIX.test(k);
}

/**
 * Ids API Gateway, Lambda and X-Ray generate, and the time: kept as they are when they look like
 * an id, so a digit run in a UUID never hides the correlation id. Nothing a caller (or Conekta)
 * sends is trusted this way: an event id can be a phone number.
 */
const ID_FIELDS = new Set(['correlation_id', 'function_request_id', 'xray_trace_id', 'timestamp']);
const ID_SHAPE = /^(?!key_|tok_)[A-Za-z0-9][A-Za-z0-9_.:=/+-]{0,127}$/;

const SENSITIVE_IN_TEXT =
  /(["']?)\b(secret|token_id|token|email|phone|first_name|last_name|name|number|cvc|cvv|card_number|password|authorization)\1\s*[:=]\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&}\]]+)/gi;

const TEXT_RULES: readonly [RegExp, string][] = [
  [/\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, REDACTED],
  // Conekta private keys and card tokens.
  [/key_[A-Za-z0-9_-]+/g, REDACTED],
  [/tok_[A-Za-z0-9_-]+/g, REDACTED],
  // Credentials in URLs, then anything shaped like an email.
  [/\/\/[^/\s@]+@/g, `//${REDACTED}@`],
  [/[^\s@"'<>()[\]{},;:\\/]+@[^\s@"'<>()[\]{},;:\\/]+/g, REDACTED],
  // 8+ digits, spaces, dashes or parentheses between them allowed: phones and card numbers.
  [/(?<![A-Za-z0-9])\+?\d(?:[ ()-]{0,2}\d){7,}(?![A-Za-z0-9])/g, REDACTED],
];

// Values the current request carried in sensitive fields (names have no pattern): removed
// wherever they appear. One request at a time per Lambda instance; reset by every request.
let knownValues: RegExp | undefined;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Teaches the redactor this request's sensitive values (see `sensitiveValuesIn`). */
export function rememberSensitiveValues(values: readonly string[]): void {
  const unique = [...new Set(values)].sort((a, b) => b.length - a.length);
  knownValues =
    unique.length === 0
      ? undefined
      : new RegExp(`(?<![\\p{L}\\p{N}])(?:${unique.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

export function forgetSensitiveValues(): void {
  knownValues = undefined;
}

/**
 * Something SENSITIVE_IN_TEXT or a TEXT_RULES pattern needs: `:` or `=`, an `@`, a key or token
 * prefix, a Bearer or Basic word, eight digits. Most of a log line's keys and values have none,
 * and one scan then replaces seven. "[redacted]" has none either, so a known value's replacement
 * never makes one.
 */
const MAY_MATCH_A_RULE = /[:=@]|key_|tok_|\b(?:bearer|basic)\s|\d(?:\D*\d){7}/i;

export function redactText(text: string): string {
  if (!MAY_MATCH_A_RULE.test(text)) return knownValues ? text.replace(knownValues, REDACTED) : text;
  let out = text.replace(SENSITIVE_IN_TEXT, (_match, quote: string, key: string) => {
    return `${quote}${key}${quote}:"${REDACTED}"`;
  });
  if (knownValues) out = out.replace(knownValues, REDACTED);
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}

function redactString(text: string, depth: number): string {
  // A string holding JSON (a body, an upstream error) is redacted field by field.
  if (text.length <= 100_000 && /^\s*[[{]/.test(text)) {
    try {
      return JSON.stringify(redact(JSON.parse(text), depth + 1));
    } catch {
      // not JSON after all
    }
  }
  return redactText(text);
}

const MAX_DEPTH = 32;

/** A redacted copy of a JSON value. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[deep]';
  if (typeof value === 'string') return redactString(value, depth);
  // 13+ digits as a JSON number: card-like.
  if (typeof value === 'number') return Math.abs(value) >= 1e12 ? REDACTED : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value && typeof value === 'object') {
    // fromEntries defines own properties: a `__proto__` key stays a plain key.
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => {
        const kept = ID_FIELDS.has(key) && typeof child === 'string' && ID_SHAPE.test(child);
        const clean = kept ? child : isSensitiveField(key, child) ? REDACTED : redact(child, depth + 1);
        return [redactText(key), clean];
      }),
    );
  }
  return value;
}

/** A serialized log line, redacted; never throws. */
export function redactLine(line: string): string {
  try {
    return JSON.stringify(redact(JSON.parse(line)));
  } catch {
    return JSON.stringify({ level: 'ERROR', message: 'a log line could not be redacted; dropped' });
  }
}

const MAX_VALUES = 32;

/**
 * The values a body carries in sensitive fields, at any depth (names also word by word), for
 * `rememberSensitiveValues`. Bounded: an attacker's deep or wide body costs little.
 */
export function sensitiveValuesIn(body: unknown): string[] {
  const found: string[] = [];
  const add = (text: string, isName: boolean) => {
    // Stryker disable next-line Regex: splitting at each whitespace character, not each run, only adds empty parts, which the length check drops
    const parts = isName ? [text, ...text.split(/\s+/)] : [text];
    for (const part of parts) {
      const trimmed = part.trim();
      if (trimmed.length >= 3 && trimmed.length <= 256 && found.length < MAX_VALUES) found.push(trimmed);
    }
  };
  const stack: { value: unknown; depth: number; taken: boolean; isName: boolean }[] = [
    { value: body, depth: 0, taken: false, isName: false },
  ];
  for (let visited = 0; stack.length > 0 && visited < 5000; visited += 1) {
    const { value, depth, taken, isName } = stack.pop()!;
    if (taken && (typeof value === 'string' || typeof value === 'number')) add(String(value), isName);
    if (!value || typeof value !== 'object' || depth >= 16) continue;
    for (const [key, child] of Object.entries(value)) {
      const k = normalize(key);
      const sensitive = taken || TAUGHT_FIELDS.has(k) || SENSITIVE_SUFFIX.test(k);
      stack.push({
        value: child,
        depth: depth + 1,
        taken: sensitive,
        isName: isName || NAME_FIELDS.has(k),
      });
    }
  }
  return found;
}
