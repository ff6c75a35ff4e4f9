/**
 * Baseline (b): the `create` a team would usually write. The official `conekta` SDK, zod classic
 * validating the seed request through Powertools' parser middleware, one PutItem. Not exactly-once:
 * that is the point of comparison, not a goal. Bench-only; bundled like the real functions.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { JSONStringified } from '@aws-lambda-powertools/parser/helpers';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { APIGatewayProxyEventV2Schema } from '@aws-lambda-powertools/parser/schemas/api-gatewayv2';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import middy from '@middy/core';
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { Configuration, OrdersApi } from 'conekta';
import { z } from 'zod';

const CreateRequest = z.object({
  provider: z.literal('conekta'),
  action: z.literal('create'),
  secret: z.string().regex(/^key_\w+$/),
  reference_id: z.string().min(3).max(249),
  amount: z.number().positive().multipleOf(0.01),
  return_url: z.url({ protocol: /^https?$/ }),
  notification_url: z.url({ protocol: /^https?$/ }),
  first_name: z.string().min(1).max(100),
  last_name: z.string().min(1).max(100),
  email: z.email(),
  phone: z.string().min(7).max(20).optional(),
  currency: z.enum(['MXN', 'USD']).default('MXN'),
  expires_in_days: z.number().int().min(1).max(30).default(3),
});
const CreateEvent = APIGatewayProxyEventV2Schema.extend({ body: JSONStringified(CreateRequest) });
type CreateEvent = z.infer<typeof CreateEvent>;

const table = process.env.PAYMENTS_TABLE ?? 'pagos-local-payments';
const basePath = process.env.CONEKTA_API_URL ?? 'https://api.conekta.io';
const db = new DynamoDBClient({});
// Our own agents: without them the SDK disables TLS checks and reads a cert file a bundle lacks (toolchain §7).
const baseOptions = {
  httpAgent: new http.Agent({ keepAlive: true }),
  httpsAgent: new https.Agent({ keepAlive: true }),
  timeout: 8000,
};

const json = (statusCode: number, body: unknown): APIGatewayProxyResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

async function create(event: CreateEvent): Promise<APIGatewayProxyResultV2> {
  const req = event.body;
  const merchant = createHash('sha256').update(req.secret).digest('hex').slice(0, 16);
  const back = new URL('/conekta/conekta_order', req.return_url).toString();
  const orders = new OrdersApi(new Configuration({ accessToken: req.secret, basePath, baseOptions }));
  const { data: order } = await orders.createOrder(
    {
      currency: req.currency,
      customer_info: {
        name: `${req.first_name} ${req.last_name}`,
        email: req.email,
        phone: req.phone ?? '5555555555',
      },
      line_items: [{ name: req.reference_id, unit_price: Math.round(req.amount * 100), quantity: 1 }],
      metadata: { reference_id: req.reference_id, pagos_merchant: merchant },
      checkout: {
        type: 'HostedPayment',
        name: `Pago ${req.reference_id}`,
        allowed_payment_methods: ['card', 'cash', 'bank_transfer'],
        success_url: back,
        failure_url: back,
        expires_at: Math.floor(Date.now() / 1000) + req.expires_in_days * 86_400,
      },
    },
    'es',
  );
  await db.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: `PAYMENT#${merchant}#${req.reference_id}` },
        sk: { S: 'PAYMENT' },
        order_id: { S: order.id ?? '' },
        checkout_url: { S: order.checkout?.url ?? '' },
        amount_cents: { N: String(order.amount) },
        currency: { S: req.currency },
        notification_url: { S: req.notification_url },
        status: { S: 'created' },
        provider_order: { S: JSON.stringify(order) },
        created_at: { S: new Date().toISOString() },
      },
    }),
  );
  return json(200, order);
}

export const handler = middy<CreateEvent, APIGatewayProxyResultV2>()
  .use(parser({ schema: CreateEvent }))
  .onError((request) => {
    const error = request.error as { name?: string; response?: { status?: number; data?: unknown } };
    if (error?.name === 'ParseError') request.response = json(400, { error: 'invalid_request' });
    else if (error?.response)
      request.response = json(502, { error: 'provider', detail: error.response.data });
    else request.response = json(500, { error: 'internal_error' });
  })
  .handler(create);
