// Spec normalization, pruning and the contract checks (request problems, whitelist, responses).
import { createContract, getContract } from '../../local/conekta-sandbox/contract.js';
import { EXTRA_SCHEMAS, SANDBOX_OPERATIONS } from '../../local/conekta-sandbox/operations.js';
import { loadSpec, loadSpecFromDisk } from '../../local/conekta-sandbox/spec.js';
import {
  discriminatorToConditionals,
  fixDiscriminatorMapping,
  fixExclusiveMinimum,
  fixNullable,
  normalizeSpec,
  type OpenApiDoc,
  pruneSpec,
} from '../../local/conekta-sandbox/spec-normalize.js';

const { contract } = getContract();

describe('normalization passes', () => {
  test('bare discriminator mappings become schema refs; refs stay', () => {
    const node = {
      discriminator: {
        propertyName: 'object',
        mapping: { cash: 'payment_method_cash', x: '#/components/schemas/x' },
      },
    };
    expect(fixDiscriminatorMapping(node)).toEqual({
      discriminator: {
        propertyName: 'object',
        mapping: { cash: '#/components/schemas/payment_method_cash', x: '#/components/schemas/x' },
      },
    });
  });

  test('boolean exclusiveMinimum becomes numeric (2020-12)', () => {
    expect(fixExclusiveMinimum({ type: 'integer', minimum: 0, exclusiveMinimum: true })).toEqual({
      type: 'integer',
      exclusiveMinimum: 0,
    });
    expect(fixExclusiveMinimum({ minimum: 3, exclusiveMinimum: false })).toEqual({ minimum: 3 });
    expect(fixExclusiveMinimum({ exclusiveMinimum: 5 })).toEqual({ exclusiveMinimum: 5 });
  });

  test('nullable: type gains null, enum gains null, untyped schemas just lose the flag', () => {
    expect(fixNullable({ type: 'string', nullable: true })).toEqual({ type: ['string', 'null'] });
    expect(fixNullable({ type: 'string', enum: ['a'], nullable: true })).toEqual({
      type: ['string', 'null'],
      enum: ['a', null],
    });
    expect(fixNullable({ properties: {}, nullable: true })).toEqual({ properties: {} });
    expect(fixNullable({ type: 'string', nullable: false })).toEqual({ type: 'string' });
  });

  test('normalizeSpec leaves property names and examples alone', () => {
    const doc = {
      paths: {},
      components: {
        schemas: {
          thing: {
            properties: { nullable: { type: 'boolean' }, name: { type: 'string', nullable: true } },
            example: { nullable: true, exclusiveMinimum: true },
          },
        },
      },
    } as unknown as OpenApiDoc;
    expect(normalizeSpec(doc).components.schemas.thing).toEqual({
      properties: { nullable: { type: 'boolean' }, name: { type: ['string', 'null'] } },
      example: { nullable: true, exclusiveMinimum: true },
    });
  });

  test('the loaded spec has no OpenAPI 3.0 leftovers', () => {
    const text = JSON.stringify(loadSpec().doc.components);
    expect(text).not.toContain('"nullable"');
    expect(text).not.toContain('"exclusiveMinimum":true');
    expect(text).not.toMatch(/"mapping":\{"[^"]+":"[a-z_]+"/);
  });

  test('the YAML and the temp-dir cache give the same document', () => {
    expect(loadSpecFromDisk(undefined, false).doc).toEqual(loadSpecFromDisk().doc);
  });

  test('discriminator oneOf becomes dispatch on the property value', () => {
    const node = {
      oneOf: [{ $ref: '#/a' }, { $ref: '#/b' }],
      discriminator: { propertyName: 'object', mapping: { a_payment: '#/a', b_payment: '#/b' } },
      title: 't',
    };
    expect(discriminatorToConditionals(node)).toEqual({
      title: 't',
      type: 'object',
      required: ['object'],
      properties: { object: { enum: ['a_payment', 'b_payment'] } },
      allOf: ['a', 'b'].map((x) =>
        // built from entries: an object literal with a `then` key trips the promise lint
        Object.fromEntries([
          ['if', { required: ['object'], properties: { object: { const: `${x}_payment` } } }],
          ['then', { $ref: `#/${x}` }],
        ]),
      ),
    });
  });
});

describe('pruneSpec', () => {
  const pruned = pruneSpec(loadSpec().doc, [...SANDBOX_OPERATIONS], [...EXTRA_SCHEMAS]);

  test('keeps exactly the sandbox operations', () => {
    const operations = Object.entries(pruned.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method} ${path}`),
    );
    expect(operations.sort()).toEqual(SANDBOX_OPERATIONS.map((op) => `${op.method} ${op.path}`).sort());
  });

  test('keeps every referenced schema (transitively) and nothing unrelated', () => {
    const names = Object.keys(pruned.components.schemas);
    for (const name of [
      'order_request',
      'order_response',
      'charge_request',
      'payment_method_card',
      'error',
      'event_response',
      'webhook_key_create_response',
    ]) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('customer_response');
    expect(names).not.toContain('plan_request');
    const refs = JSON.stringify(pruned).match(/#\/components\/schemas\/[A-Za-z0-9_]+/g) ?? [];
    for (const ref of refs) expect(names).toContain(ref.split('/').pop());
  });

  test('drops examples', () => {
    expect(JSON.stringify(pruned)).not.toMatch(/"examples?":/);
  });

  test('an unknown operation is an error', () => {
    expect(() => pruneSpec(loadSpec().doc, [{ path: '/nope', method: 'get' }])).toThrow(/not in the spec/);
  });
});

describe('contract: request bodies', () => {
  const valid = {
    currency: 'MXN',
    customer_info: { name: 'Juan', email: 'juan@example.com', phone: '5512345678' },
    line_items: [{ name: 'Playera', unit_price: 100, quantity: 1 }],
  };

  test('a valid order has no problems', () => {
    expect(contract.checkRequestBody('createOrder', valid)).toEqual([]);
    expect(
      contract.checkRequestBody('createOrder', {
        ...valid,
        charges: [{ payment_method: { type: 'card', token_id: 'tok_x' } }],
      }),
    ).toEqual([]);
  });

  test('unknown fields are named by dotted path at any depth, including inside the matching oneOf branch', () => {
    const problems = contract.checkRequestBody('createOrder', {
      ...valid,
      foo: 1,
      checkout: { type: 'HostedPayment', bar: 2 },
      line_items: [{ ...valid.line_items[0], baz: 3 }],
      charges: [{ payment_method: { type: 'card', token_id: 'tok_x', qux: 4 } }],
      metadata: { anything: 'goes' },
    });
    const byParam = (a: { param: string }, b: { param: string }) => a.param.localeCompare(b.param);
    expect([...problems].sort(byParam)).toEqual(
      ['charges.0.payment_method.qux', 'checkout.bar', 'foo', 'line_items.0.baz'].map((param) => ({
        param,
        kind: 'unknown',
        message: `The "${param}" parameter is not allowed`,
      })),
    );
  });

  test('a failed oneOf reports the closest branch only', () => {
    const problems = contract.checkRequestBody('createOrder', {
      ...valid,
      customer_info: { name: 'Juan', email: 'x' },
    });
    expect(problems.map((p) => [p.param, p.kind])).toEqual([
      ['customer_info.phone', 'missing'],
      ['customer_info.email', 'invalid'],
    ]);
  });

  test('metadata values must be scalars of at most 249 characters', () => {
    const problems = contract.checkRequestBody('createOrder', {
      ...valid,
      metadata: { a: { nested: 1 }, b: 'x'.repeat(250) },
    });
    expect(problems.map((p) => p.param).sort()).toEqual(['metadata.a', 'metadata.b']);
  });

  test('webhook url: the spec pattern forbids localhost and 127.0.0.1', () => {
    expect(contract.checkRequestBody('createWebhook', { url: 'https://hooks.example.com/x' })).toEqual([]);
    expect(
      contract.checkRequestBody('createWebhook', { url: 'http://localhost:3000/x' }).map((p) => p.param),
    ).toContain('url');
  });

  test('query parameters are coerced and checked', () => {
    expect(contract.checkQuery('getOrders', new URLSearchParams('limit=5&search=A'))).toEqual({
      values: { limit: 5, search: 'A' },
      problems: [],
    });
    expect(
      contract.checkQuery('getOrders', new URLSearchParams('limit=251')).problems.map((p) => p.param),
    ).toEqual(['limit']);
  });
});

describe('contract: responses (what validateResponses relies on)', () => {
  const order = {
    id: 'ord_1',
    object: 'order',
    amount: 100,
    currency: 'MXN',
    livemode: false,
    created_at: 1,
  };

  test('a minimal order is valid for 200; undeclared statuses use the error schema', () => {
    expect(contract.checkResponse('getOrderById', 200, order)).toEqual([]);
    expect(contract.responseSchema('getOrderById', 409)).toBe('#/components/schemas/error');
    expect(contract.responseSchema('createOrder', 402)).toBe('#/components/schemas/error');
  });

  test("catches the nulls Conekta's own examples carry, missing required fields and undeclared fields", () => {
    expect(
      contract.checkResponse('getOrderById', 200, { ...order, payment_status: null }).map((p) => p.param),
    ).toEqual(['payment_status']);
    expect(
      contract.checkResponse('getOrderById', 200, { ...order, id: undefined }).map((p) => p.kind),
    ).toEqual(['missing']);
    expect(contract.checkResponse('getOrderById', 200, { ...order, fee: 3 }).map((p) => p.param)).toEqual([
      'fee',
    ]);
  });

  test('charge payment methods dispatch on `object` (discriminator), so a card cannot pass as cash', () => {
    const withMethod = (payment_method: unknown) => ({
      ...order,
      charges: {
        object: 'list',
        has_more: false,
        data: [
          {
            id: 'c',
            object: 'charge',
            created_at: 1,
            currency: 'MXN',
            livemode: false,
            order_id: 'ord_1',
            status: 'paid',
            payment_method,
          },
        ],
      },
    });
    expect(
      contract.checkResponse(
        'getOrderById',
        200,
        withMethod({ object: 'card_payment', brand: 'visa', last4: '4242' }),
      ),
    ).toEqual([]);
    const asCash = contract.checkResponse(
      'getOrderById',
      200,
      withMethod({ object: 'cash_payment', brand: 'visa' }),
    );
    expect(asCash).toEqual([
      expect.objectContaining({ param: 'charges.data.0.payment_method.brand', kind: 'unknown' }),
    ]);
    const unknownKind = contract.checkResponse(
      'getOrderById',
      200,
      withMethod({ object: 'bitcoin_payment' }),
    );
    expect(unknownKind.map((p) => p.param)).toContain('charges.data.0.payment_method.object');
  });

  test('error bodies: details entries are whitelisted too', () => {
    const error = {
      object: 'error',
      type: 'api_error',
      log_id: 'x',
      details: [{ code: 'c', message: 'm', debug_message: 'd' }],
    };
    expect(contract.checkResponse('getOrders', 500, error)).toEqual([]);
    const extra = { ...error, details: [{ ...error.details[0], hint: 'h' }] };
    expect(contract.checkResponse('getOrders', 500, extra).map((p) => p.param)).toEqual(['details.0.hint']);
  });

  test('a fresh contract from the YAML behaves the same', () => {
    const fresh = createContract(loadSpecFromDisk(undefined, false).doc);
    expect(fresh.checkResponse('getOrderById', 200, { ...order, payment_status: null })).toEqual(
      contract.checkResponse('getOrderById', 200, { ...order, payment_status: null }),
    );
  });
});
