/**
 * lib/payments/fields.ts: request fields read, checked and normalized, every problem named (the
 * caller hears about every bad field at once), and raw card data refused anywhere in a body.
 */
import { ValidationError } from '../../lib/payments/errors.js';
import {
  customerOf,
  FieldReader,
  findRawCardFields,
  isJsonObject,
  LINE_ITEMS_MAX,
  looksLikeCardNumber,
  MAX_NESTING,
  METADATA_MAX_KEYS,
  NUMBER_SOURCE,
  refuseDeepNesting,
  refuseRawCardData,
} from '../../lib/payments/fields.js';

/** Reads one field of a body; the value read and the problems found. */
function read<T>(body: Record<string, unknown>, reading: (fields: FieldReader) => T) {
  const fields = new FieldReader(body);
  const value = reading(fields);
  return { value, issues: fields.issues };
}

const problem = (field: string, message: string) => [{ field, message }];

describe('FieldReader.string', () => {
  const str = (
    value: unknown,
    opts: { required: boolean; min?: number; max: number } = { required: true, max: 5 },
  ) => read({ f: value }, (f) => f.string('f', opts));

  it('reads a string within bounds as it is', () => {
    expect(str(' abc ')).toEqual({ value: ' abc ', issues: [] });
    expect(str('abcde')).toEqual({ value: 'abcde', issues: [] });
  });

  it('names a missing required field; an optional one is just absent', () => {
    for (const missing of [undefined, null]) {
      expect(str(missing)).toEqual({ value: undefined, issues: problem('f', 'is required') });
      expect(str(missing, { required: false, max: 5 })).toEqual({ value: undefined, issues: [] });
    }
  });

  it.each([
    [3, 'must be a string'],
    [true, 'must be a string'],
    [['a'], 'must be a string'],
    ['a\ud800', 'must be valid Unicode text'],
    ['', 'must not be empty'],
    ['   ', 'must not be empty'],
    ['abcdef', 'must be at most 5 characters'],
  ])('refuses %p: %s', (value, message) => {
    expect(str(value)).toEqual({ value: undefined, issues: problem('f', message) });
  });

  it('asks for a minimum length beyond one, counted without surrounding spaces', () => {
    expect(str(' ab ', { required: true, min: 3, max: 10 })).toEqual({
      value: undefined,
      issues: problem('f', 'must be at least 3 characters'),
    });
    expect(str('abc', { required: true, min: 3, max: 10 }).value).toBe('abc');
  });
});

describe('FieldReader.secret', () => {
  it('asks the provider what is wrong with the secret’s shape', () => {
    const shape = (s: string) => (s.startsWith('key_') ? undefined : 'must start with key_');
    expect(read({ secret: 'key_1' }, (f) => f.secret('secret', shape))).toEqual({
      value: 'key_1',
      issues: [],
    });
    expect(read({ secret: 'tok_1' }, (f) => f.secret('secret', shape))).toEqual({
      value: undefined,
      issues: problem('secret', 'must start with key_'),
    });
    expect(read({}, (f) => f.secret('secret', shape)).issues).toEqual(problem('secret', 'is required'));
    expect(read({ secret: 'k'.repeat(201) }, (f) => f.secret('secret', shape)).issues).toEqual(
      problem('secret', 'must be at most 200 characters'),
    );
  });
});

describe('FieldReader.reference: one canonical form per order id', () => {
  const ref = (value: unknown) => read({ reference_id: value }, (f) => f.reference('reference_id'));

  it('reads a decomposed accent as the composed one (NFC)', () => {
    expect(ref('pedido-e\u0301')).toEqual({ value: 'pedido-\u00e9', issues: [] });
  });

  it('accepts up to 249 characters and any script', () => {
    expect(ref('a'.repeat(249)).value).toHaveLength(249);
    expect(ref('a'.repeat(250)).issues).toEqual(problem('reference_id', 'must be at most 249 characters'));
    expect(ref('注文-٣').value).toBe('注文-٣');
  });

  it.each(['a\u200bb', 'a\u0000b', 'a\nb', 'a\u2028b', 'a\u2029b', 'a\u00adb', 'a\ufeffb'])(
    'refuses control or invisible characters in %j',
    (value) => {
      expect(ref(value)).toEqual({
        value: undefined,
        issues: problem(
          'reference_id',
          'must not contain control or invisible characters (zero-width spaces, joiners, marks)',
        ),
      });
    },
  );

  it.each([' a', 'a ', '\u00a0a', 'a\u3000', '\u2003a'])('refuses white space around %j', (value) => {
    expect(ref(value)).toEqual({
      value: undefined,
      issues: problem('reference_id', 'must not start or end with white space'),
    });
  });

  it('accepts white space inside', () => {
    expect(ref('pedido 12').value).toBe('pedido 12');
  });

  it('refuses compatibility look-alikes, saying the plain form to send', () => {
    expect(ref('pedido-１２')).toEqual({
      value: undefined,
      issues: problem(
        'reference_id',
        'must use plain characters, not compatibility look-alikes such as full-width digits (send "pedido-12")',
      ),
    });
  });
});

describe('FieldReader.metadata', () => {
  const reserved = (key: string) => key.startsWith('pagos_');
  const meta = (value: unknown) => read({ metadata: value }, (f) => f.metadata('metadata', reserved));

  it('reads an object of short strings', () => {
    expect(meta({ canal: 'web', 'a.b-c_D9': '' })).toEqual({
      value: { canal: 'web', 'a.b-c_D9': '' },
      issues: [],
    });
    expect(meta(undefined)).toEqual({ value: undefined, issues: [] });
    expect(meta(null)).toEqual({ value: undefined, issues: [] });
  });

  it.each([['text'], [[]], [3]])('refuses %p as not an object', (value) => {
    expect(meta(value)).toEqual({
      value: undefined,
      issues: problem('metadata', 'must be an object of string values'),
    });
  });

  it(`accepts ${METADATA_MAX_KEYS} keys and no more`, () => {
    const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(meta(keys(20)).issues).toEqual([]);
    expect(meta(keys(21))).toEqual({
      value: undefined,
      issues: problem('metadata', 'must have at most 20 keys'),
    });
  });

  it('names every bad key and value, and keeps none of it', () => {
    const result = meta({
      ok: 'fine',
      'bad key': 'x',
      ['k'.repeat(41)]: 'x',
      pagos_attempt: 'x',
      number: 5,
      long: 'v'.repeat(250),
      broken: 'x\ud800',
      edge: 'v'.repeat(249),
    });
    expect(result.value).toBeUndefined();
    expect(result.issues).toEqual([
      { field: 'metadata.bad key', message: 'keys must be 1 to 40 letters, digits, "_", "-" or "."' },
      {
        field: `metadata.${'k'.repeat(41)}`,
        message: 'keys must be 1 to 40 letters, digits, "_", "-" or "."',
      },
      { field: 'metadata.pagos_attempt', message: 'is a key Pagos writes itself; use another name' },
      { field: 'metadata.number', message: 'must be a string of at most 249 characters' },
      { field: 'metadata.long', message: 'must be a string of at most 249 characters' },
      { field: 'metadata.broken', message: 'must be a string of at most 249 characters' },
    ]);
  });

  it('accepts a key of 40 characters', () => {
    expect(meta({ ['k'.repeat(40)]: 'x' }).issues).toEqual([]);
  });

  it('keeps nothing when only the last key is bad', () => {
    expect(meta({ a: 'x', pagos_x: 'y' }).value).toBeUndefined();
  });
});

describe('FieldReader.lineItems', () => {
  const items = (value: unknown) => read({ line_items: value }, (f) => f.lineItems('line_items'));
  const item = (overrides: Record<string, unknown> = {}) => ({
    name: 'Taza',
    unit_price: 100.5,
    quantity: 2,
    ...overrides,
  });

  it('reads name, unit price in centavos and quantity', () => {
    expect(items([item(), item({ name: 'Plato', unit_price: '0.01', quantity: 10_000 })])).toEqual({
      value: [
        { name: 'Taza', unitPriceCents: 10_050, quantity: 2 },
        { name: 'Plato', unitPriceCents: 1, quantity: 10_000 },
      ],
      issues: [],
    });
    expect(items(undefined)).toEqual({ value: undefined, issues: [] });
  });

  it(`accepts 1 to ${LINE_ITEMS_MAX} items`, () => {
    const message = problem('line_items', 'must be a list of 1 to 50 items');
    expect(items([])).toEqual({ value: undefined, issues: message });
    expect(items('x')).toEqual({ value: undefined, issues: message });
    expect(items(Array.from({ length: 51 }, () => item()))).toEqual({ value: undefined, issues: message });
    expect(items(Array.from({ length: 50 }, () => item())).value).toHaveLength(50);
  });

  it('names every problem of every item, and keeps none of the list', () => {
    const result = items([
      'not an item',
      item({ name: 'ab', colour: 'red' }),
      item({ name: '  ab  ', unit_price: 0 }),
      item({ name: 'n'.repeat(250), quantity: 0 }),
      item({ name: 5, quantity: 1.5 }),
      item({ name: 'Taza\ud800', quantity: 10_001, unit_price: '1e3' }),
      item(),
    ]);
    expect(result.value).toBeUndefined();
    expect(result.issues).toEqual([
      { field: 'line_items[0]', message: 'must be an object with name, unit_price and quantity' },
      { field: 'line_items[1].colour', message: 'is not a field of a line item' },
      { field: 'line_items[1].name', message: 'must be a text of 3 to 249 characters' },
      { field: 'line_items[2].name', message: 'must be a text of 3 to 249 characters' },
      { field: 'line_items[2].unit_price', message: 'must be greater than zero' },
      { field: 'line_items[3].name', message: 'must be a text of 3 to 249 characters' },
      { field: 'line_items[3].quantity', message: 'must be a whole number from 1 to 10000' },
      { field: 'line_items[4].name', message: 'must be a text of 3 to 249 characters' },
      { field: 'line_items[4].quantity', message: 'must be a whole number from 1 to 10000' },
      { field: 'line_items[5].name', message: 'must be a text of 3 to 249 characters' },
      {
        field: 'line_items[5].unit_price',
        message: 'must be a positive amount of pesos with at most two decimals, e.g. 1000 or "1000.50"',
      },
      { field: 'line_items[5].quantity', message: 'must be a whole number from 1 to 10000' },
    ]);
  });

  it('accepts names of 3 and of 249 characters, and keeps them as sent', () => {
    expect(
      items([item({ name: 'abc' }), item({ name: 'n'.repeat(249) })]).value?.map((i) => i.name.length),
    ).toEqual([3, 249]);
  });

  it('drops a single item with an extra field', () => {
    expect(items([item({ sku: 'x' })])).toEqual({
      value: undefined,
      issues: problem('line_items[0].sku', 'is not a field of a line item'),
    });
  });

  it('reads a unit price from the source text of a number (1000.50 as written)', () => {
    expect(items([item({ unit_price: { [NUMBER_SOURCE]: '1000.50' } })]).value).toEqual([
      { name: 'Taza', unitPriceCents: 100_050, quantity: 2 },
    ]);
  });
});

describe('FieldReader: email, phone and URLs', () => {
  it.each(['ana@example.com', 'a.b+c@sub.example.mx', 'x@y.co'])('accepts the email %s', (email) => {
    expect(read({ email }, (f) => f.email('email', { required: true }))).toEqual({
      value: email,
      issues: [],
    });
  });

  it.each([
    'ana',
    'ana@',
    '@example.com',
    'ana@example',
    'ana@example.c',
    'a na@example.com',
    'a@b@example.com',
    '"a"@example.com',
    'a@exa(mple).com',
    // One address, not a list: what follows a valid address counts too.
    'ana@example.com, bob@example.com',
    'ana@example.com>',
  ])('refuses the email %s', (email) => {
    expect(read({ email }, (f) => f.email('email', { required: true }))).toEqual({
      value: undefined,
      issues: problem('email', 'must be an email address like name@example.com'),
    });
  });

  it('bounds an email at 254 characters and lets an optional one be absent', () => {
    const email = `${'a'.repeat(245)}@mail.com`;
    expect(read({ email }, (f) => f.email('email', { required: true })).value).toBe(email);
    expect(read({ email: `a${email}` }, (f) => f.email('email', { required: true })).issues).toEqual(
      problem('email', 'must be at most 254 characters'),
    );
    expect(read({}, (f) => f.email('email', { required: false }))).toEqual({ value: undefined, issues: [] });
  });

  it.each([
    ['55 1234 5678', '5512345678'],
    ['(55) 1234-5678', '5512345678'],
    ['+52 55 1234 5678', '+525512345678'],
    ['12345678', '12345678'],
    ['123456789012345', '123456789012345'],
  ])('reads the phone %s as %s', (phone, digits) => {
    expect(read({ phone }, (f) => f.phone('phone'))).toEqual({ value: digits, issues: [] });
  });

  it.each(['1234567', '1234567890123456', '55.1234.5678', '+', 'phone', '++5512345678', '55+12345678'])(
    'refuses the phone %s',
    (phone) => {
      expect(read({ phone }, (f) => f.phone('phone'))).toEqual({
        value: undefined,
        issues: problem('phone', 'must be a phone number of 8 to 15 digits'),
      });
    },
  );

  it('lets the phone be absent, and bounds its text at 20 characters', () => {
    expect(read({}, (f) => f.phone('phone'))).toEqual({ value: undefined, issues: [] });
    expect(read({ phone: `${'1'.repeat(10)}${' '.repeat(11)}` }, (f) => f.phone('phone')).issues).toEqual(
      problem('phone', 'must be at most 20 characters'),
    );
  });

  it.each(['https://shop.example.com/back?x=1', 'http://localhost:3000/'])('accepts the URL %s', (url) => {
    expect(read({ u: url }, (f) => f.httpUrl('u', { required: true }))).toEqual({ value: url, issues: [] });
  });

  it.each([
    ['shop.example.com/back', 'must be an absolute http(s) URL, e.g. https://shop.example.com/path'],
    ['ftp://shop.example.com/', 'must use http or https'],
    ['javascript:alert(1)', 'must use http or https'],
    ['https://user:pass@shop.example.com/', 'must not contain credentials'],
    ['https://user@shop.example.com/', 'must not contain credentials'],
    ['https://:pass@shop.example.com/', 'must not contain credentials'],
  ])('refuses the URL %s: %s', (url, message) => {
    expect(read({ u: url }, (f) => f.httpUrl('u', { required: true }))).toEqual({
      value: undefined,
      issues: problem('u', message),
    });
  });

  it('bounds a URL at 2048 characters', () => {
    const url = `https://shop.example.com/${'a'.repeat(2048 - 25)}`;
    expect(read({ u: url }, (f) => f.httpUrl('u', { required: true })).value).toBe(url);
    expect(read({ u: `${url}a` }, (f) => f.httpUrl('u', { required: true })).issues).toEqual(
      problem('u', 'must be at most 2048 characters'),
    );
  });

  it('asks the policy about a notification URL, after the URL itself is fine', () => {
    const asked: string[] = [];
    const policy = (url: string) => {
      asked.push(url);
      return url.includes('10.0.0.') ? 'must be a public address' : undefined;
    };
    const notify = (url: unknown) =>
      read({ n: url }, (f) => f.notificationUrl('n', { required: false, policy }));
    expect(notify('https://shop.example.com/n')).toEqual({ value: 'https://shop.example.com/n', issues: [] });
    expect(notify('http://10.0.0.1/n')).toEqual({
      value: undefined,
      issues: problem('n', 'must be a public address'),
    });
    expect(notify('ftp://x/')).toEqual({ value: undefined, issues: problem('n', 'must use http or https') });
    expect(notify(undefined)).toEqual({ value: undefined, issues: [] });
    expect(asked).toEqual(['https://shop.example.com/n', 'http://10.0.0.1/n']);
  });
});

describe('FieldReader: amounts, numbers and choices', () => {
  const centavos = (value: unknown, required = true) =>
    read({ amount: value }, (f) => f.centavos('amount', { required }));

  it('reads pesos into centavos from a number, a numeric string, or a number’s source text', () => {
    expect(centavos(1000)).toEqual({ value: 100_000, issues: [] });
    expect(centavos('10.07')).toEqual({ value: 1_007, issues: [] });
    expect(centavos({ [NUMBER_SOURCE]: '1000.50' })).toEqual({ value: 100_050, issues: [] });
  });

  it('refuses a number written with an exponent, however it reads', () => {
    for (const source of ['1e3', '1E3', '1.5e2']) {
      expect(centavos({ [NUMBER_SOURCE]: source })).toEqual({
        value: undefined,
        issues: problem('amount', 'must be written without an exponent, e.g. 1000 rather than 1e3'),
      });
    }
  });

  it('refuses an object that is not a number’s source text', () => {
    expect(centavos({ [NUMBER_SOURCE]: 5 }).issues).toEqual(
      problem('amount', 'must be a number or a numeric string of pesos, e.g. 1000 or "1000.50"'),
    );
    expect(centavos({ other: '1' }).issues).toEqual(
      problem('amount', 'must be a number or a numeric string of pesos, e.g. 1000 or "1000.50"'),
    );
  });

  it('names a missing required amount; an optional one is absent', () => {
    expect(centavos(undefined)).toEqual({ value: undefined, issues: problem('amount', 'is required') });
    expect(centavos(null, false)).toEqual({ value: undefined, issues: [] });
    expect(centavos(-1)).toEqual({
      value: undefined,
      issues: problem(
        'amount',
        'must be a positive amount of pesos with at most two decimals, e.g. 1000 or "1000.50"',
      ),
    });
  });

  it('reads whole numbers within bounds, falling back when absent or wrong', () => {
    const int = (value: unknown) =>
      read({ n: value }, (f) => f.integer('n', { min: 1, max: 30, fallback: 3 }));
    expect(int(1)).toEqual({ value: 1, issues: [] });
    expect(int(30)).toEqual({ value: 30, issues: [] });
    expect(int(undefined)).toEqual({ value: 3, issues: [] });
    expect(int(null)).toEqual({ value: 3, issues: [] });
    for (const bad of [0, 31, 2.5, '5', true]) {
      expect(int(bad)).toEqual({ value: 3, issues: problem('n', 'must be a whole number from 1 to 30') });
    }
  });

  it('reads booleans, falling back when absent or wrong', () => {
    const bool = (value: unknown) => read({ b: value }, (f) => f.boolean('b', false));
    expect(bool(true)).toEqual({ value: true, issues: [] });
    expect(bool(false)).toEqual({ value: false, issues: [] });
    expect(bool(undefined)).toEqual({ value: false, issues: [] });
    expect(read({ b: null }, (f) => f.boolean('b', true))).toEqual({ value: true, issues: [] });
    expect(bool('true')).toEqual({ value: false, issues: problem('b', 'must be true or false') });
    expect(read({ b: 1 }, (f) => f.boolean('b', true))).toEqual({
      value: true,
      issues: problem('b', 'must be true or false'),
    });
  });

  it('reads one of the allowed values, falling back when absent or wrong', () => {
    const one = (value: unknown) => read({ c: value }, (f) => f.oneOf('c', ['MXN', 'USD'] as const, 'MXN'));
    expect(one('USD')).toEqual({ value: 'USD', issues: [] });
    expect(one(undefined)).toEqual({ value: 'MXN', issues: [] });
    expect(one(null)).toEqual({ value: 'MXN', issues: [] });
    expect(one('EUR')).toEqual({ value: 'MXN', issues: problem('c', 'must be one of MXN, USD') });
    expect(one(['USD'])).toEqual({ value: 'MXN', issues: problem('c', 'must be one of MXN, USD') });
  });

  it('reads a non-empty list of distinct allowed values, falling back to a copy of the default', () => {
    const all = ['card', 'cash', 'bank_transfer'] as const;
    const sub = (value: unknown) => read({ s: value }, (f) => f.subset('s', all, all));
    expect(sub(['cash', 'card'])).toEqual({ value: ['cash', 'card'], issues: [] });
    const fallback = sub(undefined);
    expect(fallback).toEqual({ value: ['card', 'cash', 'bank_transfer'], issues: [] });
    expect(fallback.value).not.toBe(all);
    expect(sub(null).value).toEqual([...all]);
    const message = problem(
      's',
      'must be a non-empty list of distinct values from: card, cash, bank_transfer',
    );
    for (const bad of [[], ['card', 'card'], ['crypto'], 'card', [1]]) {
      expect(sub(bad)).toEqual({ value: [...all], issues: message });
    }
  });
});

describe('FieldReader: the buyer, unknown fields, and the error', () => {
  it('reads the buyer, trimming names', () => {
    const { value, issues } = read(
      { first_name: ' Ana ', last_name: 'López ', email: 'ana@example.com', phone: '5512345678' },
      (f) => f.buyer(),
    );
    expect(value).toEqual({
      firstName: 'Ana',
      lastName: 'López',
      email: 'ana@example.com',
      phone: '5512345678',
    });
    expect(issues).toEqual([]);
    expect(read({ first_name: 'Ana', last_name: 'L', email: 'a@b.co' }, (f) => f.buyer()).value).toEqual({
      firstName: 'Ana',
      lastName: 'L',
      email: 'a@b.co',
      phone: undefined,
    });
  });

  it('reads no buyer when a name or the email is missing, naming each', () => {
    const { value, issues } = read({ phone: 'x' }, (f) => f.buyer());
    expect(value).toBeUndefined();
    expect(issues.map((i) => i.field)).toEqual(['first_name', 'last_name', 'email', 'phone']);
    for (const missing of ['first_name', 'last_name', 'email']) {
      const body: Record<string, unknown> = {
        first_name: 'Ana',
        last_name: 'López',
        email: 'ana@example.com',
      };
      delete body[missing];
      expect(read(body, (f) => f.buyer()).value).toBeUndefined();
    }
  });

  it('bounds names at 100 characters', () => {
    expect(
      read({ first_name: 'a'.repeat(101), last_name: 'b', email: 'a@b.co' }, (f) => f.buyer()).issues,
    ).toEqual(problem('first_name', 'must be at most 100 characters'));
  });

  it('names every field the action does not know', () => {
    expect(read({ a: 1, b: 2, c: 3 }, (f) => f.rejectUnknown(['b'])).issues).toEqual([
      { field: 'a', message: 'is not a field of this action' },
      { field: 'c', message: 'is not a field of this action' },
    ]);
  });

  it('throws one ValidationError naming every problem, and nothing when there is none', () => {
    const fields = new FieldReader({});
    fields.throwIfInvalid();
    fields.fail('a', 'x');
    fields.fail('b', 'y');
    expect(() => fields.throwIfInvalid()).toThrow(ValidationError);
    try {
      fields.throwIfInvalid();
    } catch (error) {
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_request',
        message: 'The request has 2 invalid fields: a, b.',
        details: [
          { field: 'a', message: 'x' },
          { field: 'b', message: 'y' },
        ],
      });
    }
    expect(new ValidationError([{ field: 'a', message: 'x' }]).message).toBe(
      'The request has 1 invalid field: a.',
    );
  });

  it('has a field only when it carries a value', () => {
    const fields = new FieldReader({ a: 0, b: null, c: undefined, d: '' });
    expect(['a', 'b', 'c', 'd', 'e'].map((f) => fields.has(f))).toEqual([true, false, false, true, false]);
  });
});

describe('nesting, card data and small helpers', () => {
  const nested = (depth: number) => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { x: value } : [value];
    return value;
  };

  it(`accepts a body nested ${MAX_NESTING} levels deep and refuses one deeper`, () => {
    expect(() => refuseDeepNesting(nested(MAX_NESTING))).not.toThrow();
    let error: unknown;
    try {
      refuseDeepNesting(nested(MAX_NESTING + 1));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'The request body nests deeper than 32 levels.',
      details: [{ field: '(body)', message: 'must not nest deeper than 32 levels' }],
    });
  });

  it('walks 8,000 levels without overflowing', () => {
    expect(() => refuseDeepNesting(nested(8_000))).toThrow('nests deeper');
  });

  it.each([
    ['4242424242424242', true],
    ['4242 4242 4242 4242', true],
    ['4242-4242-4242-4242', true],
    ['4000056655665556', true],
    ['378282246310005', true],
    ['6011000990139424', true],
    ['4242424242424241', false],
    ['424242424242', false],
    ['42424242424242424242', false],
    ['4242424242424242a', false],
    ['0000000000000', true],
  ])('card number %s: %p', (text, card) => {
    expect(looksLikeCardNumber(text)).toBe(card);
  });

  it('finds raw card fields at any depth, in any case, and card numbers among metadata values', () => {
    expect(
      findRawCardFields({
        card: { number: '4242' },
        items: [{ CVC: '123' }, { ok: 1 }],
        deep: { deeper: { Exp_Month: 1, pan: 'x' } },
        metadata: { number: 'pedido-7', note: '4242 4242 4242 4242', n: 4242424242424242 },
        cvv: 1,
        cvv2: 2,
        card_number: 3,
        cardnumber: 4,
        exp_year: 5,
        expiry: 6,
        expiration: 7,
        cvc: 8,
      }),
    ).toEqual([
      'card',
      'card.number',
      'items[0].CVC',
      'deep.deeper.Exp_Month',
      'deep.deeper.pan',
      'metadata.note',
      'cvv',
      'cvv2',
      'card_number',
      'cardnumber',
      'exp_year',
      'expiry',
      'expiration',
      'cvc',
    ]);
  });

  it('exempts only the top-level metadata object’s own keys', () => {
    expect(findRawCardFields({ extra: { metadata: { number: '1' } } })).toEqual(['extra.metadata.number']);
    expect(findRawCardFields({ metadata: 'number' })).toEqual([]);
    expect(findRawCardFields({ metadata: [{ cvc: 1 }] })).toEqual(['metadata[0].cvc']);
    expect(findRawCardFields('4242424242424242')).toEqual([]);
    expect(findRawCardFields(null)).toEqual([]);
  });

  it('refuses raw card data with 400 raw_card_not_allowed, naming each field', () => {
    expect(() => refuseRawCardData({ token_id: 'tok_1', metadata: { number: '7' } })).not.toThrow();
    let error: unknown;
    try {
      refuseRawCardData({ card: { number: '4242424242424242', cvc: '123' } });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({
      status: 400,
      code: 'raw_card_not_allowed',
      message: expect.stringContaining('Pagos never accepts card data.'),
      details: [
        { field: 'card', message: 'raw card data is not accepted' },
        { field: 'card.number', message: 'raw card data is not accepted' },
        { field: 'card.cvc', message: 'raw card data is not accepted' },
      ],
    });
  });

  it('customerOf: one name, and the default phone when the buyer gave none', () => {
    expect(
      customerOf({ firstName: 'Ana', lastName: 'López', email: 'a@b.co', phone: undefined }, '5555555555'),
    ).toEqual({
      name: 'Ana López',
      email: 'a@b.co',
      phone: '5555555555',
    });
    expect(
      customerOf({ firstName: 'A', lastName: 'B', email: 'a@b.co', phone: '1234567890' }, '5555555555').phone,
    ).toBe('1234567890');
  });

  it('isJsonObject: objects only, not arrays or null', () => {
    expect([{}, { a: 1 }, [], null, 'x', 1].map(isJsonObject)).toEqual([
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('edges of the field readers', () => {
  it('refuses an object keyed by anything but the number-source key', () => {
    expect(
      read({ amount: { '': '10' } }, (f) => f.centavos('amount', { required: true })).value,
    ).toBeUndefined();
  });

  it('keeps no metadata when only a key is malformed', () => {
    expect(
      read({ metadata: { a: 'x', 'bad key': 'y' } }, (f) => f.metadata('metadata', () => false)).value,
    ).toBeUndefined();
  });

  it('reads null line items and a null subset as absent', () => {
    expect(read({ line_items: null }, (f) => f.lineItems('line_items'))).toEqual({
      value: undefined,
      issues: [],
    });
    expect(read({ s: null }, (f) => f.subset('s', ['a', 'b'] as const, ['a']))).toEqual({
      value: ['a'],
      issues: [],
    });
  });

  it('refuses a subset with one value outside the allowed ones', () => {
    expect(
      read({ s: ['card', 'crypto'] }, (f) => f.subset('s', ['card', 'cash'] as const, ['card'])).issues,
    ).toEqual(problem('s', 'must be a non-empty list of distinct values from: card, cash'));
  });

  it('says how to send a card instead of its number', () => {
    expect(() => refuseRawCardData({ cvc: '123' })).toThrow(
      'Pagos never accepts card data. Tokenize the card in the browser with the provider’s tokenizer ' +
        '(Conekta.js / Component) and send the resulting token as token_id.',
    );
  });

  it('refuses amounts that are no finite number, or beyond what the provider takes', () => {
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(read({ amount }, (f) => f.centavos('amount', { required: true })).issues).toEqual(
        problem('amount', 'must be a finite number'),
      );
    }
    expect(read({ amount: '21474836.48' }, (f) => f.centavos('amount', { required: true })).issues).toEqual(
      problem('amount', 'must be at most 21474836.47'),
    );
  });
});
