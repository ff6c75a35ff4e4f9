/**
 * docs/openapi.yaml against the OpenAPI 3.1 schema, against itself (references, examples,
 * defaults) and against the code (error codes, actions, enums, the field rules of the request
 * parsers, the errors the code builds, the webhook handler's answers); and the answer checker
 * of tests/support/openapi-check.ts, which every HTTP test uses.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import fc from 'fast-check';
import { edgeRequired } from '../../lib/http/edge.js';
import { createLogger } from '../../lib/http/logger.js';
import { errorResponse, httpErrorToPagosError, internalError } from '../../lib/http/responses.js';
import { handleWebhook } from '../../lib/http/webhook.js';
import { signatureHeader } from '../../lib/notify/signature.js';
import {
  ErrorCode,
  inProgress,
  outcomeUnknown,
  type PagosError,
  unknownReference,
  ValidationError,
} from '../../lib/payments/errors.js';
import { FieldReader, LINE_ITEMS_MAX, METADATA_MAX_KEYS } from '../../lib/payments/fields.js';
import { MAX_AMOUNT_CENTAVOS, pesosToCentavos } from '../../lib/payments/money.js';
import { SUPPORTED_ACTIONS } from '../../lib/payments/pagos-request.js';
import {
  PaymentMethod,
  type PaymentProvider,
  RefundReason,
  WebhookConfigError,
} from '../../lib/payments/ports.js';
import {
  ProviderError,
  ProviderFailure,
  providerErrorToPagosError,
} from '../../lib/payments/provider-errors.js';
import { CURRENCIES } from '../../lib/payments/requests.js';
import { PaymentStatus } from '../../lib/payments/status.js';
import { readConektaEvent } from '../../lib/providers/conekta/mapping.js';
import { createConektaProvider } from '../../lib/providers/conekta/provider.js';
import { createMemoryStore } from '../support/memory-store.js';
import {
  checkNotification,
  checkPagosAnswer,
  checkWebhookAnswer,
  loadOpenApiDocument,
  openapiAjv,
  resolvePointer,
  schemaAt,
} from '../support/openapi-check.js';

type Json = Record<string, unknown>;
const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

const document = loadOpenApiDocument();
const ajv = openapiAjv(document);
const schema = (name: string) => schemaAt(ajv, `#/components/schemas/${name}`);
const valid = (name: string, value: unknown) => schema(name)(value) === true;
const operation = resolvePointer(document, '#/paths/~1pagos/post') as Json;
const actions = operation['x-pagos-actions'] as Record<
  string,
  { request: string; answer: string; 'error-codes': string[] }
>;

/** Every node of the document with its JSON pointer. */
function* walk(node: unknown, pointer = '#'): Generator<[unknown, string]> {
  yield [node, pointer];
  if (Array.isArray(node)) for (const [i, child] of node.entries()) yield* walk(child, `${pointer}/${i}`);
  else if (isJson(node))
    for (const [key, child] of Object.entries(node)) yield* walk(child, `${pointer}/${escapePointer(key)}`);
}

/** The pointers of every schema: components' schemas, and each `schema` of a parameter, header or media type. */
function schemaRoots(): string[] {
  const roots = Object.keys((document.components as Json).schemas as Json).map(
    (name) => `#/components/schemas/${escapePointer(name)}`,
  );
  for (const [node, pointer] of walk(document)) {
    if (pointer.startsWith('#/components/schemas/')) continue;
    if (pointer.endsWith('/schema') && isJson(node)) roots.push(pointer);
  }
  return roots;
}

/** Subschemas of a schema (not the values of examples, enum, const or default). */
function* subschemas(node: unknown, pointer: string): Generator<[Json, string]> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) yield* subschemas(child, `${pointer}/${i}`);
    return;
  }
  if (!isJson(node)) return;
  yield [node, pointer];
  for (const [key, child] of Object.entries(node)) {
    if (['examples', 'enum', 'const', 'default', 'discriminator'].includes(key) || key.startsWith('x-'))
      continue;
    yield* subschemas(child, `${pointer}/${escapePointer(key)}`);
  }
}

const errorAnswer = (error: PagosError) => {
  const result = errorResponse(error);
  const headers: Record<string, string> = { ...result.headers, 'X-Request-Id': 'req-1' };
  return { status: result.statusCode, headers, body: result.body };
};
const base = { provider: 'conekta', secret: 'key_xxjg4bsD9nohnMjwaTGytA' };
const example = (name: string) => (resolvePointer(document, `#/components/examples/${name}`) as Json).value;
const OK_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-request-id': 'req-1',
};

describe('docs/openapi.yaml as OpenAPI 3.1', () => {
  test('validates against the OpenAPI 3.1 schema, every $ref included', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  test('the validator refuses a broken reference and a malformed operation (so the check above means something)', async () => {
    const broken = structuredClone(document);
    (resolvePointer(broken, '#/components/schemas/CreateRequest') as Json).properties = {
      amount: { $ref: '#/components/schemas/NoSuchSchema' },
    };
    expect((await new Validator().validate(broken)).valid).toBe(false);
    const malformed = structuredClone(document);
    delete (resolvePointer(malformed, '#/paths/~1pagos/post') as Json).responses;
    (resolvePointer(malformed, '#/paths/~1pagos/post') as Json).parameters = [{ name: 'x' }];
    expect((await new Validator().validate(malformed)).valid).toBe(false);
  });

  test('every $ref and every x-pagos-actions schema names something in the document', () => {
    const refs = [...walk(document)].flatMap(([node]) =>
      isJson(node) && typeof node.$ref === 'string' ? [node.$ref] : [],
    );
    const actionRefs = Object.values(actions).flatMap((a) => [a.request, a.answer]);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of [...refs, ...actionRefs]) expect(() => resolvePointer(document, ref)).not.toThrow();
  });

  test('every schema compiles under strict Ajv 2020 (a misspelt keyword fails)', () => {
    for (const pointer of schemaRoots()) expect(() => schemaAt(ajv, pointer)).not.toThrow();
    const typo = structuredClone(document);
    (resolvePointer(typo, '#/components/schemas/Secret') as Json).maxLenght = 200;
    expect(() => schemaAt(openapiAjv(typo), '#/components/schemas/Secret')).toThrow(/unknown keyword/);
  });

  test('every schema example and default validates against its schema', () => {
    let checked = 0;
    for (const root of schemaRoots()) {
      for (const [node, pointer] of subschemas(resolvePointer(document, root), root)) {
        const values = [...(Array.isArray(node.examples) ? node.examples : [])];
        if ('default' in node) values.push(node.default);
        if (values.length === 0) continue;
        const validate = schemaAt(ajv, pointer);
        for (const value of values) {
          checked += 1;
          expect({ pointer, value, valid: validate(value), errors: validate.errors }).toMatchObject({
            valid: true,
          });
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  test('every media type example validates against its media type schema', () => {
    let checked = 0;
    for (const [node, pointer] of walk(document)) {
      if (!isJson(node) || !isJson(node.schema) || !isJson(node.examples)) continue;
      const validate = schemaAt(ajv, `${pointer}/schema`);
      for (const [name, entry] of Object.entries(node.examples)) {
        const value =
          isJson(entry) && typeof entry.$ref === 'string'
            ? (resolvePointer(document, entry.$ref) as Json).value
            : (entry as Json).value;
        checked += 1;
        expect({
          at: `${pointer}/examples/${name}`,
          valid: validate(value),
          errors: validate.errors,
        }).toMatchObject({ valid: true });
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  test("each action's request and 200 examples validate against that action's own schemas", () => {
    const content = (status: string) =>
      (resolvePointer(document, `#/paths/~1pagos/post/responses/${status}/content/application~1json`) as Json)
        .examples as Json;
    const requests = (operation.requestBody as Json).content as Json;
    const requestExamples = (requests['application/json'] as Json).examples as Json;
    for (const action of SUPPORTED_ACTIONS) {
      const request = schemaAt(ajv, actions[action]!.request);
      const answer = schemaAt(ajv, actions[action]!.answer);
      const requestExample = resolvePointer(
        document,
        (requestExamples[action] as Json).$ref as string,
      ) as Json;
      expect({ action, valid: request(requestExample.value), errors: request.errors }).toMatchObject({
        valid: true,
      });
      const answerExample = resolvePointer(document, (content('200')[action] as Json).$ref as string) as Json;
      expect({ action, valid: answer(answerExample.value), errors: answer.errors }).toMatchObject({
        valid: true,
      });
    }
  });

  test('the legacy request validates as a create request, exactly as storefronts send it', () => {
    const legacy = {
      provider: 'conekta',
      action: 'create',
      reference_id: '6588',
      secret: 'key_xxjg4bsD9nohnMjwaTGytA',
      first_name: 'andres',
      last_name: 'jaro',
      amount: 1000,
      return_url: 'http://template.pow.la',
      email: 'andres.jaromezuk@gmail.com',
    };
    expect(example('LegacyCreateRequest')).toEqual(legacy);
    const create = schema('CreateRequest');
    expect({ valid: create(legacy), errors: create.errors }).toMatchObject({ valid: true });
    expect(valid('PagosRequest', legacy)).toBe(true);
  });
});

describe('docs/openapi.yaml against the code', () => {
  const statusCodes = (status: string): string[] => {
    const error = (
      (resolvePointer(document, `#/components/schemas/Error${status}`) as Json).properties as Json
    ).error as Json;
    const code = (error.properties as Json).code as Json;
    return (code.enum as string[] | undefined) ?? [code.const as string];
  };
  const STATUSES = '400 401 402 403 404 409 413 415 422 429 500 502 504'.split(' ');

  test('every ErrorCode of lib/payments/errors.ts is documented, and no other', () => {
    const codes = Object.values(ErrorCode).sort();
    expect(
      [...((resolvePointer(document, '#/components/schemas/ErrorCode') as Json).enum as string[])].sort(),
    ).toEqual(codes);
    expect([...new Set(STATUSES.flatMap(statusCodes))].sort()).toEqual(codes);
    const byAction = new Set(Object.values(actions).flatMap((a) => a['error-codes']));
    const envelope = (operation['x-pagos-envelope-error-codes'] as { codes: string[] }).codes;
    expect([...new Set([...byAction, ...envelope])].sort()).toEqual(codes);
  });

  test('POST /pagos documents every status and each status has its own error schema', () => {
    const responses = Object.keys(operation.responses as Json).sort();
    expect(responses).toEqual(['200', ...STATUSES].sort());
    for (const status of STATUSES) expect(statusCodes(status).length).toBeGreaterThan(0);
  });

  test('every action of SUPPORTED_ACTIONS has a request branch, a discriminator mapping and an answer', () => {
    const request = resolvePointer(document, '#/components/schemas/PagosRequest') as Json;
    const branches = (request.oneOf as Json[]).map((b) => {
      const target = resolvePointer(document, b.$ref as string) as Json;
      return ((target.properties as Json).action as Json).const;
    });
    expect([...branches].sort()).toEqual([...SUPPORTED_ACTIONS].sort());
    expect(Object.keys((request.discriminator as Json).mapping as Json).sort()).toEqual(
      [...SUPPORTED_ACTIONS].sort(),
    );
    expect(Object.keys(actions).sort()).toEqual([...SUPPORTED_ACTIONS].sort());
    expect(valid('PagosRequest', { ...base, action: 'frobnicate' })).toBe(false);
  });

  test('enums match the code: statuses, currencies, payment methods, refund reasons, notification types', () => {
    const enumOf = (name: string) =>
      [...((resolvePointer(document, `#/components/schemas/${name}`) as Json).enum as string[])].sort();
    expect(enumOf('PaymentStatus')).toEqual(Object.values(PaymentStatus).sort());
    expect(enumOf('Currency')).toEqual([...CURRENCIES].sort());
    expect(enumOf('PaymentMethod')).toEqual(Object.values(PaymentMethod).sort());
    expect(enumOf('RefundReason')).toEqual(Object.values(RefundReason).sort());
    const notification = resolvePointer(document, '#/components/schemas/StorefrontNotification') as Json;
    const types = ((notification.properties as Json).type as Json).enum as string[];
    expect([...types].sort()).toEqual(
      Object.values(PaymentStatus)
        .map((s) => `payment.${s}`)
        .sort(),
    );
    expect(valid('Pesos', MAX_AMOUNT_CENTAVOS / 100)).toBe(true);
    expect(
      valid(
        'StorefrontMetadata',
        Object.fromEntries(Array.from({ length: METADATA_MAX_KEYS + 1 }, (_, i) => [`k${i}`, 'v'])),
      ),
    ).toBe(false);
    const item = { name: 'Playera', unit_price: 1, quantity: 1 };
    expect(
      valid(
        'LineItems',
        Array.from({ length: LINE_ITEMS_MAX }, () => item),
      ),
    ).toBe(true);
    expect(
      valid(
        'LineItems',
        Array.from({ length: LINE_ITEMS_MAX + 1 }, () => item),
      ),
    ).toBe(false);
  });

  // The schemas say what the field readers accept: the same verdict on generated values.
  const reader = (value: unknown) => new FieldReader({ field: value });
  const runs = { numRuns: 3000, seed: 19 };

  test('Pesos accepts exactly what pesosToCentavos accepts', () => {
    const decimalText = fc
      .tuple(
        fc.nat({ max: 30_000_000 }),
        fc.constantFrom('', '.', '.0', '.00', '.5', '.47', '.48', '.99', '.001'),
      )
      .map(([whole, fraction]) => `${whole}${fraction}`);
    const amounts = fc.oneof(
      decimalText,
      decimalText.map(Number),
      // JSON numbers as clients write them (JSON Schema's multipleOf cannot see a number's digits).
      fc.integer({ min: -1000, max: 30_000_000_000 }).map((thousandths) => thousandths / 1000),
      fc.constantFrom(
        '21474836.47',
        '21474836.48',
        '21474836',
        '21474837',
        '0.01',
        '0.00',
        '01',
        ' 1',
        '1e3',
        '',
        -0,
        21474836.47,
        21474836.48,
        0.01,
        0.001,
        10.07,
        349.9,
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(amounts, (amount) => {
        expect({ amount, schema: valid('Pesos', amount) }).toEqual({
          amount,
          schema: pesosToCentavos(amount).ok,
        });
      }),
      runs,
    );
  });

  test('ReferenceId accepts what the reference reader accepts, and refuses what it refuses (NFKC aside)', () => {
    const text = fc.string({
      unit: fc.constantFrom(
        'a',
        'é',
        'e\u0301',
        ' ',
        '\u00a0',
        '\u200b',
        '\t',
        '\u2028',
        '\ud800',
        '１',
        '-',
        '#',
        'ß',
      ),
      maxLength: 8,
    });
    fc.assert(
      fc.property(fc.oneof(text, fc.string({ unit: 'grapheme', maxLength: 20 })), (referenceId) => {
        const code = reader(referenceId).reference('field') !== undefined;
        const nfkcStable = referenceId.normalize('NFC').normalize('NFKC') === referenceId.normalize('NFC');
        // The schema cannot say "unchanged by NFKC": only there may it accept what the code refuses.
        if (code || nfkcStable)
          expect({ referenceId, schema: valid('ReferenceId', referenceId) }).toEqual({
            referenceId,
            schema: code,
          });
      }),
      runs,
    );
    expect(valid('ReferenceId', 'x'.repeat(249))).toBe(true);
    expect(valid('ReferenceId', 'x'.repeat(250))).toBe(false);
  });

  test('Phone and Email accept exactly what their readers accept', () => {
    const phone = fc.string({
      unit: fc.constantFrom('5', '1', '+', ' ', '(', ')', '-', '\t', 'x'),
      maxLength: 22,
    });
    fc.assert(
      fc.property(phone, (value) => {
        expect({ value, schema: valid('Phone', value) }).toEqual({
          value,
          schema: reader(value).phone('field') !== undefined,
        });
      }),
      runs,
    );
    const email = fc.string({
      unit: fc.constantFrom('a', 'b', '@', '.', ' ', '"', ',', '[', ']', '\\', 'ñ'),
      maxLength: 14,
    });
    fc.assert(
      fc.property(email, (value) => {
        const code = reader(value).email('field', { required: true }) !== undefined;
        expect({ value, schema: valid('Email', value) }).toEqual({ value, schema: code });
      }),
      runs,
    );
  });

  test('request bounds and defaults match the parsers on examples at and past each bound', () => {
    const create = (extra: Json) => ({ ...(example('LegacyCreateRequest') as Json), ...extra });
    const cases: [string, unknown, boolean][] = [
      ['CreateRequest', create({}), true],
      ['CreateRequest', create({ bogus: 1 }), false],
      ['CreateRequest', create({ expires_in_days: 30 }), true],
      ['CreateRequest', create({ expires_in_days: 31 }), false],
      ['CreateRequest', create({ expires_in_days: 0 }), false],
      ['CreateRequest', create({ allowed_payment_methods: [] }), false],
      ['CreateRequest', create({ allowed_payment_methods: ['card', 'card'] }), false],
      ['CreateRequest', create({ monthly_installments: true, allowed_payment_methods: ['cash'] }), false],
      ['CreateRequest', create({ monthly_installments: true }), true],
      ['CreateRequest', create({ return_url: 'ftp://template.pow.la' }), false],
      ['CreateRequest', create({ return_url: 'https://user:pw@template.pow.la' }), false],
      ['CreateRequest', create({ return_url: `https://a.mx/${'x'.repeat(2040)}` }), false],
      ['CreateRequest', create({ metadata: { reference_id: 'x' } }), false],
      ['CreateRequest', create({ metadata: { pagos_x: 'x' } }), false],
      ['CreateRequest', create({ metadata: { 'bad key': 'x' } }), false],
      ['CreateRequest', create({ metadata: { ok: 'x'.repeat(250) } }), false],
      ['CreateRequest', create({ token_id: 'tok_x' }), false],
      ['CreateRequest', create({ first_name: '   ' }), false],
      ['CreateRequest', create({ line_items: [{ name: 'ab', unit_price: 10, quantity: 1 }] }), false],
      ['CreateRequest', create({ line_items: [{ name: 'abc', unit_price: 10, quantity: 10_001 }] }), false],
      [
        'ChargeRequest',
        { ...create({ action: 'charge', token_id: 'tok_test_visa_4242' }), return_url: undefined },
        true,
      ],
      [
        'ChargeRequest',
        { ...create({ action: 'charge', token_id: 'card_123' }), return_url: undefined },
        false,
      ],
      ['ChargeRequest', create({ action: 'charge', token_id: 'tok_test_visa_4242' }), false],
      ['RefundRequest', { ...base, action: 'refund', reference_id: '1', reason: 'fraud' }, false],
      ['RefundRequest', { ...base, action: 'refund', reference_id: '1', refund_id: 'x'.repeat(101) }, false],
      [
        'RefundRequest',
        { ...base, action: 'refund', reference_id: '1', refund_id: '100|requested_by_client|' },
        false,
      ],
      ['RefundRequest', { ...base, action: 'refund', reference_id: '1', refund_id: 'devolucion-1' }, true],
      ['ListRequest', { ...base, action: 'list', limit: 100 }, true],
      ['ListRequest', { ...base, action: 'list', limit: 101 }, false],
      ['ListRequest', { ...base, action: 'list', status: 'creating' }, false],
      ['ListRequest', { ...base, action: 'list', since: '2026-12-01' }, false],
      ['SigningSecretRequest', { ...base, action: 'signing_secret', grace_hours: 0 }, true],
      ['SigningSecretRequest', { ...base, action: 'signing_secret', grace_hours: 169 }, false],
      ['StatusRequest', { ...base, action: 'status', reference_id: '1', amount: 1 }, false],
      ['StatusRequest', { ...base, action: 'status', reference_id: '1', secret: 'sk_live_x' }, false],
    ];
    for (const [name, body, expected] of cases) {
      const json = JSON.parse(JSON.stringify(body));
      expect({ name, body: json, valid: valid(name, json) }).toEqual({ name, body: json, valid: expected });
    }
  });

  test('the errors the code builds are answers the document allows', () => {
    const provider = (failure: ProviderFailure) =>
      providerErrorToPagosError(
        new ProviderError({
          provider: 'conekta',
          failure,
          outcome: 'not_processed',
          message: 'x',
          status: 400,
          type: 'x',
          logId: 'l1',
          details: [{ code: 'x' }],
        }),
      );
    const errors: PagosError[] = [
      ...Object.values(ProviderFailure).map(provider),
      new ValidationError([{ field: 'amount', message: 'is required' }]),
      inProgress('wait', 3),
      outcomeUnknown({ provider: 'conekta', message: 'not known yet', retryAfterSeconds: 5 }),
      outcomeUnknown({ provider: 'conekta', message: 'not known yet' }),
      unknownReference('6588'),
      edgeRequired('api.pagos.example.com'),
      edgeRequired(''),
      internalError(),
      httpErrorToPagosError({ statusCode: 413, message: 'too large' }),
      httpErrorToPagosError({ statusCode: 415 }),
      httpErrorToPagosError({ statusCode: 422 }),
      httpErrorToPagosError({ statusCode: 503 }),
    ];
    for (const error of errors) {
      expect(() =>
        checkPagosAnswer({ request: { ...base, action: 'create' }, ...errorAnswer(error) }),
      ).not.toThrow();
    }
  });

  test("the webhook handler's answers are answers the document allows", async () => {
    const configured = { value: true, invalid: false };
    const conekta = {
      name: 'conekta',
      webhooks: {
        verify: (_raw: Buffer, headers: Readonly<Record<string, string | undefined>>) => {
          if (configured.invalid)
            throw new WebhookConfigError('key #2 is not a key.', { problem: 'invalid' });
          if (!configured.value) throw new WebhookConfigError('no key');
          return headers.digest === 'good'
            ? { ok: true as const, form: 'test' }
            : { ok: false as const, reason: 'bad digest' };
        },
        read: readConektaEvent,
      },
    } as unknown as PaymentProvider;
    const deps = {
      providers: { conekta },
      store: createMemoryStore(),
      logger: createLogger('test', 'silent'),
      metrics: { count: () => {} },
    };
    const post = async (body: string, opts: { path?: string; digest?: string } = {}) => {
      const result = await handleWebhook(deps, {
        body,
        isBase64Encoded: false,
        headers: { digest: opts.digest ?? 'good' },
        pathParameters: { provider: opts.path ?? 'conekta' },
        rawPath: `/webhooks/${opts.path ?? 'conekta'}`,
      });
      const answer = {
        status: result.statusCode,
        headers: { ...result.headers, 'x-request-id': 'req-1' },
        body: result.body,
      };
      checkWebhookAnswer(answer);
      return JSON.parse(result.body) as Json;
    };
    const order = {
      id: 'ord_1',
      object: 'order',
      amount: 100,
      currency: 'MXN',
      payment_status: 'paid',
      updated_at: 10,
    };
    const tagged = {
      ...order,
      metadata: {
        reference_id: '1',
        pagos_merchant: 'conekta:c1:test',
        pagos_attempt: `att_${'0'.repeat(32)}`,
      },
    };
    expect(await post(JSON.stringify({ id: 'e1', type: 'webhook_ping' }))).toMatchObject({ outcome: 'ping' });
    expect(await post(JSON.stringify({ id: 'e2', type: 'charge.created' }))).toMatchObject({
      outcome: 'ignored',
    });
    expect(
      await post(JSON.stringify({ id: 'e3', type: 'order.paid', data: { object: order } })),
    ).toMatchObject({ outcome: 'not_ours' });
    expect(
      await post(JSON.stringify({ id: 'e4', type: 'order.paid', data: { object: tagged } })),
    ).toMatchObject({ outcome: 'no_payment' });
    expect(await post(JSON.stringify({ id: 'e5', type: 'order.paid', data: {} }))).toMatchObject({
      error: { code: 'invalid_event' },
    });
    expect(await post('{"id":')).toMatchObject({ error: { code: 'invalid_json' } });
    expect(await post('{}', { digest: 'bad' })).toMatchObject({ error: { code: 'invalid_signature' } });
    expect(await post('{}', { path: 'stripe' })).toMatchObject({ error: { code: 'unknown_provider' } });
    expect(await post('x'.repeat(256 * 1024 + 1))).toMatchObject({ error: { code: 'body_too_large' } });
    configured.value = false;
    expect(await post('{}')).toMatchObject({ error: { code: 'webhook_keys_missing' } });
    configured.invalid = true;
    expect(await post('{}')).toMatchObject({ error: { code: 'webhook_keys_invalid' } });
    // The edge's refusal comes from its middleware, before this handler, in the same shape.
    expect(() => checkWebhookAnswer(errorAnswer(edgeRequired('api.pagos.example.com')))).not.toThrow();
  });

  test('the Conekta provider refuses the secrets and tokens the schemas refuse', () => {
    const conekta = createConektaProvider({
      baseUrl: 'http://127.0.0.1:9',
      apiVersion: '2.3.0',
      timeoutMs: 1000,
      returnPath: '/conekta/conekta_order',
      webhookPublicKeys: () => undefined,
    });
    for (const secret of ['key_abc', 'key_a-b_c', 'key_', 'sk_test_1', 'key_a b', 'key_ä']) {
      expect({ secret, schema: valid('Secret', secret) }).toEqual({
        secret,
        schema: conekta.credentialProblem(secret) === undefined,
      });
    }
    const token = (schemaOf: unknown) => ((schemaOf as Json).properties as Json).token_id;
    const tokenSchema = ajv.compile(
      token(resolvePointer(document, '#/components/schemas/ChargeRequest')) as Json,
    );
    for (const tokenId of ['tok_test_visa_4242', 'tok_', 'tok-1', 'card_1', 'tok_a_b']) {
      expect({ tokenId, schema: tokenSchema(tokenId) }).toEqual({
        tokenId,
        schema: conekta.cardTokenProblem(tokenId) === undefined,
      });
    }
  });
});

describe('checkPagosAnswer', () => {
  const createRequest = example('LegacyCreateRequest');
  const created = example('CreateAnswer') as Json;
  const created200 = { request: createRequest, status: 200, headers: OK_HEADERS, body: created };
  const conflict = {
    request: createRequest,
    status: 409,
    headers: OK_HEADERS,
    body: { error: { code: 'reference_conflict', message: 'differs', details: [] } },
  };

  test('passes valid answers: a create order, a list page, a signing secret, errors, a raw JSON body', () => {
    expect(() => checkPagosAnswer(created200)).not.toThrow();
    expect(() => checkPagosAnswer({ ...created200, headers: new Headers(OK_HEADERS) })).not.toThrow();
    expect(() => checkPagosAnswer({ ...created200, body: JSON.stringify(created) })).not.toThrow();
    expect(() => checkPagosAnswer({ ...created200, body: example('CreateAnswerReplayed') })).not.toThrow();
    expect(() =>
      checkPagosAnswer({
        request: example('ListRequest'),
        status: 200,
        headers: OK_HEADERS,
        body: example('ListAnswer'),
      }),
    ).not.toThrow();
    expect(() =>
      checkPagosAnswer({
        request: example('SigningSecretRequest'),
        status: 200,
        headers: OK_HEADERS,
        body: example('SigningSecretAnswer'),
      }),
    ).not.toThrow();
    expect(() => checkPagosAnswer(conflict)).not.toThrow();
    expect(() =>
      checkPagosAnswer({
        request: { ...base, action: 'frobnicate' },
        ...errorAnswer(httpErrorToPagosError({ statusCode: 415 })),
      }),
    ).not.toThrow();
  });

  test('fails a status the document does not give the action, or a body of another action', () => {
    expect(() => checkPagosAnswer({ ...created200, status: 201 })).toThrow(/status 201 is not documented/);
    expect(() => checkPagosAnswer({ ...created200, request: example('ListRequest') })).toThrow(
      /action "list" answered 200[\s\S]*must have required property 'merchant'/,
    );
    expect(() => checkPagosAnswer({ ...conflict, request: example('ListRequest') })).toThrow(
      /\/error\/code "reference_conflict" is not one action "list" can answer/,
    );
    expect(() => checkPagosAnswer({ ...created200, request: { ...base, action: 'frobnicate' } })).toThrow(
      /200 answers only a request with a supported action/,
    );
    expect(() => checkPagosAnswer({ ...conflict, status: 402 })).toThrow(
      /\/error\/code must be equal to one of the allowed values \("payment_declined"\)/,
    );
  });

  test('fails an error without a code, and an unknown code', () => {
    const { code: _code, ...rest } = conflict.body.error;
    expect(() => checkPagosAnswer({ ...conflict, body: { error: rest } })).toThrow(
      /\/error must have required property 'code'/,
    );
    expect(() =>
      checkPagosAnswer({ ...conflict, body: { error: { ...conflict.body.error, code: 'kaboom' } } }),
    ).toThrow(/\/error\/code must be equal to one of the allowed values/);
  });

  test('fails a create answer without checkout.url, naming the pointer', () => {
    const { url: _url, ...checkout } = created.checkout as Json;
    expect(() => checkPagosAnswer({ ...created200, body: { ...created, checkout } })).toThrow(
      /\/checkout must have required property 'url'/,
    );
    const { pagos_attempt: _a, ...metadata } = created.metadata as Json;
    expect(() => checkPagosAnswer({ ...created200, body: { ...created, metadata } })).toThrow(
      /\/metadata must have required property 'pagos_attempt'/,
    );
  });

  test('fails missing or misplaced headers: X-Request-Id, Retry-After, Cache-Control, Content-Type', () => {
    const { 'x-request-id': _id, ...noId } = OK_HEADERS;
    expect(() => checkPagosAnswer({ ...created200, headers: noId })).toThrow(
      /header X-Request-Id is missing/,
    );
    const limited = errorAnswer(inProgress('wait', 2));
    expect(() => checkPagosAnswer({ request: createRequest, ...limited })).not.toThrow();
    const { 'Retry-After': _r, ...noRetry } = limited.headers;
    expect(() => checkPagosAnswer({ request: createRequest, ...limited, headers: noRetry })).toThrow(
      /header Retry-After is missing \(required with request_in_progress\)/,
    );
    expect(() => checkPagosAnswer({ ...created200, headers: { ...OK_HEADERS, 'retry-after': '1' } })).toThrow(
      /Retry-After is not documented for status 200/,
    );
    expect(() =>
      checkPagosAnswer({ ...created200, headers: { ...OK_HEADERS, 'cache-control': 'max-age=60' } }),
    ).toThrow(/header Cache-Control/);
    expect(() =>
      checkPagosAnswer({ ...created200, headers: { ...OK_HEADERS, 'content-type': 'text/html' } }),
    ).toThrow(/Content-Type is "text\/html", not JSON/);
  });

  test("accepts the API Gateway's own answers only when asked to", () => {
    const crash = {
      request: createRequest,
      status: 500,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"Internal Server Error"}',
    };
    expect(() => checkPagosAnswer(crash)).toThrow(/is the API Gateway's own answer, not Pagos's/);
    expect(() => checkPagosAnswer(crash, { gateway: true })).not.toThrow();
    expect(() => checkPagosAnswer({ ...crash, status: 502 }, { gateway: true })).toThrow(
      /must have required property 'error'/,
    );
  });
});

describe('checkWebhookAnswer and checkNotification', () => {
  test('a webhook answer with an unknown outcome, or a code at the wrong status, fails', () => {
    const ok = { status: 200, headers: OK_HEADERS, body: { received: true, outcome: 'applied' } };
    expect(() => checkWebhookAnswer(ok)).not.toThrow();
    expect(() => checkWebhookAnswer({ ...ok, body: { received: true, outcome: 'maybe' } })).toThrow(
      /\/outcome must be equal to one of/,
    );
    const refused = {
      status: 400,
      headers: OK_HEADERS,
      body: { error: { code: 'invalid_signature', message: 'x', details: [] } },
    };
    expect(() => checkWebhookAnswer(refused)).toThrow(
      /\/error\/code must be equal to one of the allowed values/,
    );
    expect(() => checkWebhookAnswer({ ...refused, status: 401 })).not.toThrow();
    expect(() => checkWebhookAnswer({ ...refused, status: 429 })).toThrow(/only the API Gateway's answer/);
  });

  const notification = example('PaidNotification') as Json;
  const raw = JSON.stringify(notification);
  const now = Date.parse('2026-12-01T09:00:01Z');
  const headers = {
    'content-type': 'application/json',
    'pagos-signature': `${signatureHeader(raw, 'pgsec_new', now)},v1=${'0'.repeat(64)}`,
    'pagos-notification-id': notification.id as string,
    'pagos-attempt': '1',
  };

  test('a signed notification passes, with every v1 of a rotation', () => {
    expect(() =>
      checkNotification({ headers, body: raw, secrets: ['pgsec_old', 'pgsec_new'], now }),
    ).not.toThrow();
    expect(() => checkNotification({ headers, body: notification })).not.toThrow();
  });

  test('a notification fails on a wrong secret, stale time, mismatched id, missing attempt or type', () => {
    expect(() => checkNotification({ headers, body: raw, secrets: ['pgsec_other'] })).toThrow(
      /no v1 that signs this body/,
    );
    expect(() => checkNotification({ headers, body: raw, now: now + 3_600_000 })).toThrow(
      /Pagos-Signature t=\d+ is 3600 s off/,
    );
    expect(() =>
      checkNotification({
        headers: { ...headers, 'pagos-notification-id': `ntf_${'1'.repeat(32)}` },
        body: raw,
      }),
    ).toThrow(/is not the body's \/id/);
    const { 'pagos-attempt': _a, ...noAttempt } = headers;
    expect(() => checkNotification({ headers: noAttempt, body: raw })).toThrow(
      /header Pagos-Attempt is missing/,
    );
    expect(() => checkNotification({ headers, body: { ...notification, type: 'payment.refunded' } })).toThrow(
      /\/type "payment.refunded" is not "payment." followed by \/status "paid"/,
    );
    expect(() => checkNotification({ headers, body: { ...notification, amount: 1000 } })).toThrow(
      /\/amount must be string/,
    );
  });
});
