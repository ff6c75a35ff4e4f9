/**
 * The edges of lib/http/redact.ts that the broader log-redaction suite leaves open: which field
 * names are sensitive (and which merely look so), when an id field is kept verbatim, the exact
 * shapes of the text rules (quoted values, Bearer words, emails, digit runs), when a string is
 * parsed as JSON, the depth bound, how taught values are matched, and the bounds of
 * `sensitiveValuesIn` (length, count, depth, nodes visited, word splitting).
 */
import {
  forgetSensitiveValues,
  REDACTED,
  redact,
  redactLine,
  redactText,
  rememberSensitiveValues,
  sensitiveValuesIn,
} from '../../lib/http/redact.js';

beforeEach(() => {
  forgetSensitiveValues();
});

/** `levels` arrays around `leaf`. */
const inArrays = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i += 1) value = [value];
  return value;
};

/** `levels` objects around `leaf`, each under the key `a`. */
const inObjects = (levels: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
};

describe('the redaction marker', () => {
  it('is a visible, non-empty marker in place of a redacted value', () => {
    expect(REDACTED).toBe('[redacted]');
    expect(redactLine(JSON.stringify({ secret: 'x' }))).toBe('{"secret":"[redacted]"}');
  });
});

describe('sensitive field names', () => {
  it('redacts credentials, cookies and buyer names whatever their value looks like', () => {
    const input = {
      authorization: 'opaque',
      cookie: 'sid=1',
      token_id: 'abc',
      first_name: 'Ana',
      lastName: 'Lopez',
      name: 'Ana Lopez',
      full_name: 'Ana Lopez',
      customer_info: { corporate: false },
    };
    const out = redact(input) as Record<string, unknown>;
    for (const key of Object.keys(input)) expect(out[key]).toBe(REDACTED);
  });

  it('redacts card fields, signatures and passwords whatever their value looks like', () => {
    const input = {
      number: '42',
      card_number: '42',
      pan: '4242',
      cvc: '123',
      cvv: '123',
      cvv2: '123',
      card: 'visa',
      exp_month: '12',
      exp_year: '30',
      digest: 'abc',
      signature: 'abc',
      'pagos-signature': 'abc',
      password: 'hunter',
      api_key: 'abc',
      private_key: 'abc',
    };
    const out = redact(input) as Record<string, unknown>;
    for (const key of Object.keys(input)) expect(out[key]).toBe(REDACTED);
  });

  it('redacts a field only when its name ends in a sensitive word, not when it merely contains one', () => {
    expect(redact({ token_type: 'bearer', email_verified: 'yes', refresh_token: 'abc' })).toEqual({
      token_type: 'bearer',
      email_verified: 'yes',
      refresh_token: REDACTED,
    });
  });

  it('keeps a `name` that is exactly an error class name, and nothing that merely contains one', () => {
    expect(redact({ name: 'TypeError' })).toEqual({ name: 'TypeError' });
    expect(redact({ name: 'NotFoundException' })).toEqual({ name: 'NotFoundException' });
    expect(redact({ name: 'Juan Error' })).toEqual({ name: REDACTED });
    expect(redact({ name: 'Exceptional Perez' })).toEqual({ name: REDACTED });
    expect(redact({ name: 'Errol Flynn' })).toEqual({ name: REDACTED });
  });

  it('applies the error-name exception to `name` only: other name fields are redacted anyway', () => {
    expect(redact({ first_name: 'RangeError', last_name: 'Exception', full_name: 'TypeError' })).toEqual({
      first_name: REDACTED,
      last_name: REDACTED,
      full_name: REDACTED,
    });
  });
});

describe('id fields', () => {
  const uuid = 'c0ffee00-1234-5678-9abc-def012345678';

  it('keeps generated ids and the time verbatim, digit runs included', () => {
    const input = {
      correlation_id: uuid,
      function_request_id: uuid,
      xray_trace_id: '1-12345678-123456789012345678901234',
      timestamp: '1700000000000',
    };
    expect(redact(input)).toEqual(input);
  });

  it('redacts the same digit runs under any other key', () => {
    expect(redact({ event_id: uuid })).toEqual({ event_id: `c0ffee00-${REDACTED}-9abc-def012345678` });
  });

  it('does not keep an id field whose value only partly looks like an id', () => {
    expect(redact({ correlation_id: 'req 5512345678' })).toEqual({ correlation_id: `req ${REDACTED}` });
    expect(redact({ function_request_id: 'tok_12345678' })).toEqual({ function_request_id: REDACTED });
    expect(redact({ xray_trace_id: 'key_live_abc' })).toEqual({ xray_trace_id: REDACTED });
  });

  it('redacts a non-string value under an id field like any other value', () => {
    expect(redact({ correlation_id: ['5512345678'] })).toEqual({ correlation_id: [REDACTED] });
  });
});

describe('key = value pairs in text', () => {
  it('redacts a sensitive key with spaces around its separator', () => {
    expect(redactText('name : Ana')).toBe(`name:"${REDACTED}"`);
  });

  it('leaves a longer key that only starts with a sensitive word', () => {
    expect(redactText('name_of_file=report.csv')).toBe('name_of_file=report.csv');
  });

  it('redacts the whole of a double-quoted value, spaces and escapes included', () => {
    const out = redactText('password="correct \\"horse\\" battery" next');
    expect(out).toBe(`password:"${REDACTED}" next`);
  });

  it('redacts the whole of a single-quoted value, spaces included', () => {
    expect(redactText("password='correct horse battery' next")).toBe(`password:"${REDACTED}" next`);
  });
});

describe('text rules', () => {
  it('redacts a Bearer or Basic credential after any run of spaces', () => {
    expect(redactText('sent Bearer   opaquevalue')).toBe(`sent ${REDACTED}`);
    expect(redactText('sent basic\tdXNlcjpwYXNz')).toBe(`sent ${REDACTED}`);
  });

  it('redacts the whole of an email address, not just the characters next to the @', () => {
    expect(redactText('mail john.doe@example.com now')).toBe(`mail ${REDACTED} now`);
  });

  it('redacts a digit run that ends at a space or the end, and keeps one glued to letters', () => {
    expect(redactText('call 5512345678 now')).toBe(`call ${REDACTED} now`);
    expect(redactText('call 5512345678')).toBe(`call ${REDACTED}`);
    expect(redactText('ref 12345678ab')).toBe('ref 12345678ab');
  });
});

describe('taught values', () => {
  it('redacts a taught value holding regular-expression characters literally', () => {
    rememberSensitiveValues(['Ana (Lu)', 'a.b+c']);
    expect(redactText('hi Ana (Lu) and a.b+c bye')).toBe(`hi ${REDACTED} and ${REDACTED} bye`);
    expect(redactText('hi Ana Lu and aXb+c')).toBe('hi Ana Lu and aXb+c');
  });

  it('redacts the longest taught value first, whatever order it was taught in', () => {
    rememberSensitiveValues(['Ana', 'Ana Lopez']);
    expect(redactText('buyer Ana Lopez paid')).toBe(`buyer ${REDACTED} paid`);
    rememberSensitiveValues(['Ana', 'Ana Lopez', 'Ana']);
    expect(redactText('buyer Ana Lopez, Ana')).toBe(`buyer ${REDACTED}, ${REDACTED}`);
  });
});

describe('strings holding JSON', () => {
  it('parses a string that starts with { or [ and redacts it field by field', () => {
    expect(redact({ body: '{"pan": "4111", "ok": true}' })).toEqual({
      body: `{"pan":"${REDACTED}","ok":true}`,
    });
    expect(redact('[{"cookie": "sid"}]')).toBe(`[{"cookie":"${REDACTED}"}]`);
  });

  it('parses JSON after leading whitespace', () => {
    expect(redact('\n  {"pan": "4111"}')).toBe(`{"pan":"${REDACTED}"}`);
    expect(redact(' {"pan": "4111"}')).toBe(`{"pan":"${REDACTED}"}`);
  });

  it('treats a quoted JSON string as text, kept as written', () => {
    expect(redact('"tags [a]\\/b"')).toBe('"tags [a]\\/b"');
  });

  it('parses a JSON string up to 100000 characters, and redacts a longer one as text', () => {
    const shaped = (length: number) => {
      const head = '{ "pad": "';
      const tail = '" }';
      return `${head}${'ab '.repeat(length).slice(0, length - head.length - tail.length)}${tail}`;
    };
    const atLimit = shaped(100_000);
    const over = shaped(100_001);
    expect(atLimit).toHaveLength(100_000);
    expect(redact(atLimit)).toBe(JSON.stringify(JSON.parse(atLimit)));
    expect(redact(over)).toBe(over);
  });
});

describe('depth bound', () => {
  it('keeps a value 32 arrays deep and cuts one 33 deep', () => {
    expect(redact(inArrays(32, 'leaf'))).toEqual(inArrays(32, 'leaf'));
    expect(redact(inArrays(33, 'leaf'))).toEqual(inArrays(33, '[deep]'));
  });

  it('keeps a value 32 objects deep and cuts one 33 deep', () => {
    expect(redact(inObjects(32, 'leaf'))).toEqual(inObjects(32, 'leaf'));
    expect(redact(inObjects(33, 'leaf'))).toEqual(inObjects(33, '[deep]'));
  });

  it('counts the JSON inside a string one level deeper than the string', () => {
    expect(redact(inArrays(30, '["leaf"]'))).toEqual(inArrays(30, '["leaf"]'));
    expect(redact(inArrays(31, '["leaf"]'))).toEqual(inArrays(31, '["[deep]"]'));
  });

  it('maps every array item', () => {
    expect(redact(['a', 1, null, { ok: true }])).toEqual(['a', 1, null, { ok: true }]);
  });
});

describe('numbers', () => {
  it('redacts a number of 13 digits or more and keeps a smaller one', () => {
    expect(redact(1e12)).toBe(REDACTED);
    expect(redact(-1e12)).toBe(REDACTED);
    expect(redact(999_999_999_999)).toBe(999_999_999_999);
  });
});

describe('redactLine', () => {
  it('replaces a line that is not JSON with an error line saying it was dropped', () => {
    const out = redactLine('not json: key_live_abc');
    expect(out).not.toContain('key_live');
    expect(JSON.parse(out)).toEqual({
      level: 'ERROR',
      message: expect.stringContaining('could not be redacted'),
    });
  });
});

describe('sensitiveValuesIn', () => {
  it('finds nothing in a body without sensitive fields', () => {
    expect(sensitiveValuesIn({ reference: 'order-1', amount: 100 })).toEqual([]);
    expect(sensitiveValuesIn('a bare string')).toEqual([]);
  });

  it('finds a buyer name whole and word by word under every name field', () => {
    expect(sensitiveValuesIn({ first_name: 'Ana Maria' })).toEqual(['Ana Maria', 'Ana', 'Maria']);
    expect(sensitiveValuesIn({ last_name: 'de la Cruz' })).toEqual(['de la Cruz', 'Cruz']);
    expect(sensitiveValuesIn({ full_name: 'Ana Lopez' })).toEqual(['Ana Lopez', 'Ana', 'Lopez']);
    expect(sensitiveValuesIn({ customer_info: { name: 'Ana Lopez' } })).toEqual([
      'Ana Lopez',
      'Ana',
      'Lopez',
    ]);
  });

  it('keeps other values whole, not split into words', () => {
    expect(sensitiveValuesIn({ password: 'correct horse battery' })).toEqual(['correct horse battery']);
  });

  it('trims the values it finds', () => {
    expect(sensitiveValuesIn({ email: '  a@b.co  ' })).toEqual(['a@b.co']);
  });

  it('takes values of 3 to 256 characters only', () => {
    const body = {
      a: { token: 'ab' },
      b: { token: 'abc' },
      c: { token: 'x'.repeat(256) },
      d: { token: 'y'.repeat(257) },
    };
    expect(sensitiveValuesIn(body).sort()).toEqual(['abc', 'x'.repeat(256)].sort());
  });

  it('takes numbers but not booleans or the objects under a sensitive field', () => {
    expect(sensitiveValuesIn({ phone: 5512345678 })).toEqual(['5512345678']);
    expect(sensitiveValuesIn({ card: { number: '4242424242424242', default: true } })).toEqual([
      '4242424242424242',
    ]);
  });

  it('takes at most 32 values', () => {
    const emails = Array.from({ length: 40 }, (_, i) => `user${i}@example.com`);
    const found = sensitiveValuesIn({ email: emails });
    expect(found).toHaveLength(32);
    for (const value of found) expect(emails).toContain(value);
  });

  it('looks 16 levels deep and no deeper', () => {
    expect(sensitiveValuesIn(inObjects(15, { email: 'deep@example.com' }))).toEqual(['deep@example.com']);
    expect(sensitiveValuesIn(inObjects(16, { email: 'deep@example.com' }))).toEqual([]);
  });

  it('visits at most 5000 values, strings included', () => {
    // Visited last: the root, the filler array, each filler item, then the email.
    const body = (fillers: number) => ({ email: 'last@example.com', filler: Array(fillers).fill('ab') });
    expect(sensitiveValuesIn(body(4997))).toEqual(['last@example.com']);
    expect(sensitiveValuesIn(body(4998))).toEqual([]);
  });
});
