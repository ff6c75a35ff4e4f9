/**
 * The redaction layer and the logger around it: whatever field a secret or a personal datum hides
 * in, no written line shows it; Powertools' own lines pass the same way; the level is configurable.
 */
import fc from 'fast-check';
import { createLogger, setLogSink } from '../../lib/http/logger.js';
import {
  boundedMemo,
  forgetSensitiveValues,
  REDACTED,
  redact,
  redactLine,
  rememberSensitiveValues,
  sensitiveValuesIn,
} from '../../lib/http/redact.js';

const SECRET = 'key_live_9fK2mQ7zX1';
const TOKEN = 'tok_2tUigJ8DgBhbp6w5TF';
const EMAIL = 'andres.jaro+shop@example.com';
const PHONE = '+52 55 1234 5678';
const CARDS = [
  '4242424242424242',
  '4242 4242 4242 4242',
  '4000-0566-5566-5556',
  '378282246310005',
  '6011111111111117123',
];

const lines: string[] = [];
let previousSink: ReturnType<typeof setLogSink>;
beforeAll(() => {
  previousSink = setLogSink((line) => lines.push(line));
});
afterAll(() => setLogSink(previousSink));
beforeEach(() => {
  lines.length = 0;
  forgetSensitiveValues();
});

const shows = (value: unknown, secret: string) => JSON.stringify(redact(value)).includes(secret);

describe('redact', () => {
  it.each([
    ['by field name', { secret: 'anything at all', nested: [{ Token_Id: 'x-y-z' }] }, 'anything at all'],
    ['a Conekta key in free text', { message: `Conekta refused ${SECRET} (401)` }, SECRET],
    ['a card token in a stack trace', { stack: `Error: bad ${TOKEN}\n    at f (x.js:1:1)` }, TOKEN],
    ['an email in an error message', { error: { message: `no such customer ${EMAIL}` } }, EMAIL],
    ['a phone in an array', { values: ['call', PHONE] }, '1234 5678'],
    ['a card number as a JSON number', { n: 4242424242424242 }, '4242424242424242'],
    [
      'JSON inside a string',
      { body: JSON.stringify({ first_name: 'Eufrosina', email: EMAIL }) },
      'Eufrosina',
    ],
    [
      'a broken JSON fragment',
      { message: 'Unexpected end: {"first_name":"Eufrosina","last_name":"Q' },
      'Eufrosina',
    ],
    ['credentials in a URL', { url: 'https://shop:hunter22@example.com/n' }, 'hunter22'],
    [
      'a bearer header',
      { headers: { Authorization: 'Bearer abc.def.ghi' }, text: 'Bearer abc.def.ghi' },
      'abc.def',
    ],
    ['an email used as a key', { [EMAIL]: 1 }, EMAIL],
    [
      'Conekta customer_info',
      { customer_info: { name: 'Eufrosina Quetzalli', phone: '5512345678' } },
      'Eufrosina',
    ],
  ])('removes %s', (_what, value, secret) => {
    expect(shows(value, secret)).toBe(false);
  });

  // Each string holds one rule's trigger and nothing else a rule needs: the pre-scan that skips
  // strings no rule can match must let each of them through to its rule.
  it.each([
    ['key_x1', REDACTED],
    ['tok_x1', REDACTED],
    ['bearer abc', REDACTED],
    ['Basic\tabc', REDACTED],
    ['a@b', REDACTED],
    ['//user@host', `//${REDACTED}@host`],
    ['12345678', REDACTED],
    ['1234-5678', REDACTED],
    ['(55) 1234 56', `(${REDACTED}`],
    ['token=abc', `token:"${REDACTED}"`],
    ['name: Juan', `name:"${REDACTED}"`],
    ['1234567', '1234567'],
    ['keyboard tokens', 'keyboard tokens'],
    ['basically bearer', 'basically bearer'],
  ])('redacts %p as %p', (text, expected) => {
    expect(redact({ text })).toEqual({ text: expected });
  });

  it('removes a value this request sent from a string no pattern matches, and from one a pattern does', () => {
    rememberSensitiveValues(['Eufrosina']);
    expect(redact({ a: 'hola Eufrosina', b: 'Eufrosina a@b' })).toEqual({
      a: `hola ${REDACTED}`,
      b: `${REDACTED} ${REDACTED}`,
    });
  });

  it.each(CARDS)('removes the card-like number %s wherever it is', (card) => {
    for (const value of [
      card,
      `pay ${card} now`,
      { deep: { deeper: [{ x: `(${card})` }] } },
      `{"pan":"${card}"}`,
    ])
      expect(shows(value, card)).toBe(false);
  });

  it('keeps what an operator needs: ids, times, codes, amounts, error class names', () => {
    const line = {
      correlation_id: '12345678-1234-1234-1234-123456789012',
      timestamp: '2026-11-21T05:36:15.118Z',
      order_id: 'ord_2tUigJ8DgBhbp6w5TF',
      notification_id: 'ntf_5c9135411f5792b7f6670a6c6205c322',
      target: 'shop.example.com:443',
      outcome: 'provider_timeout',
      amount: '1000.50',
      status: 504,
      ms: 8012,
      error: { name: 'TypeError', message: 'x is not a function' },
    };
    expect(redact(line)).toEqual(line);
  });

  it('removes the values this request sent, word by word, wherever they appear', () => {
    rememberSensitiveValues(sensitiveValuesIn({ first_name: 'Eufrosina', last_name: 'de la Cruz' }));
    expect(redact({ message: 'Conekta: customer eufrosina de la Cruz is invalid' })).toEqual({
      message: `Conekta: customer ${REDACTED} ${REDACTED} is invalid`,
    });
    // Whole words only: a name does not eat other words.
    expect(redact({ message: 'Cruzado' })).toEqual({ message: 'Cruzado' });
  });

  it("learns the buyer from Conekta's customer_info, not the reference from line item or checkout names", () => {
    const values = sensitiveValuesIn({
      data: {
        object: {
          line_items: { data: [{ name: 'ref-6588' }] },
          checkout: { name: 'Pago ref-6588' },
          customer_info: { name: 'Eufrosina Quetzalli', email: EMAIL },
        },
      },
    });
    expect(values).toEqual(expect.arrayContaining(['Eufrosina', 'Quetzalli', EMAIL]));
    expect(values.filter((v) => v.includes('6588'))).toEqual([]);
  });

  it('survives any JSON, however deep or odd, and never lets a planted secret through', () => {
    const planted = fc.constantFrom(SECRET, TOKEN, EMAIL, PHONE, ...CARDS);
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue(),
        planted.map((p) => `text ${p} text`),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        const out = redactLine(JSON.stringify({ message: 'm', value }));
        JSON.parse(out);
        for (const p of [SECRET, TOKEN, EMAIL, PHONE, ...CARDS]) expect(out).not.toContain(p);
      }),
      { numRuns: 300 },
    );
  });

  it('a deep value is cut, not a crash', () => {
    const deep = `{"deep":${'['.repeat(20_000)}"${SECRET}"${']'.repeat(20_000)}}`;
    expect(redactLine(deep)).not.toContain(SECRET);
  });
});

describe('logger', () => {
  it('writes one JSON line per event through the sink, redacted, Errors included', () => {
    const logger = createLogger('test', 'debug');
    const error = new Error(`Conekta answered 401 for ${SECRET}`, { cause: new Error(`token ${TOKEN}`) });
    logger.error('call failed', { error, customer: { email: EMAIL, phone: PHONE } });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'ERROR', message: 'call failed', service: 'test' });
    expect(line.error).toMatchObject({ name: 'Error', message: `Conekta answered 401 for ${REDACTED}` });
    for (const p of [SECRET, TOKEN, EMAIL, '1234 5678']) expect(lines[0]).not.toContain(p);
  });

  it('a value too deep to serialize costs its line, never the request', () => {
    let deep: unknown = SECRET;
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    expect(() => createLogger('test', 'info').info('deep', { deep })).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(SECRET);
  });

  it("redacts Powertools' own lines too", () => {
    const logger = createLogger('test', 'info');
    logger.appendKeys({ note: `uses ${SECRET}` });
    // A reserved key makes Powertools warn on its own; its line carries the keys appended so far.
    logger.appendKeys({ level: 'x' } as never);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'WARN', note: `uses ${REDACTED}` });
    expect(lines[0]).toContain('reserved key');
  });

  it.each<[string, string[]]>([
    ['debug', ['DEBUG', 'INFO', 'WARN', 'ERROR']],
    ['INFO', ['INFO', 'WARN', 'ERROR']],
    ['warn', ['WARN', 'ERROR']],
    ['error', ['ERROR']],
    ['loud', ['INFO', 'WARN', 'ERROR']],
  ])('level %s writes %j', (level, written) => {
    const logger = createLogger('test', level);
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(written);
  });
});

describe("boundedMemo (the redactor's memo of normalized keys)", () => {
  /** A memo of toUpperCase for 2 keys, and the keys it was computed for. */
  const countingUpper = () => {
    const calls: string[] = [];
    const upper = boundedMemo((key) => {
      calls.push(key);
      return key.toUpperCase();
    }, 2);
    return { calls, upper };
  };

  it('computes each argument once while it is remembered', () => {
    const { calls, upper } = countingUpper();
    expect([upper('a'), upper('b'), upper('a'), upper('b')]).toEqual(['A', 'B', 'A', 'B']);
    expect(calls).toEqual(['a', 'b']);
    expect(upper.size()).toBe(2);
  });

  it('forgets everything once full, keeps the newest and never holds more than its bound', () => {
    const { calls, upper } = countingUpper();
    upper('a');
    upper('b');
    expect(upper('c')).toBe('C');
    expect(upper.size()).toBe(1);
    expect(upper('c')).toBe('C');
    expect(upper('a')).toBe('A');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
    for (let i = 0; i < 50; i += 1) {
      upper(`k${i}`);
      expect(upper.size()).toBeLessThanOrEqual(2);
    }
  });
});
