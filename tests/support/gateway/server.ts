/**
 * An API Gateway HTTP API (payload format 2.0, stage `$default`) on 127.0.0.1, in front of Lambda
 * functions run as child processes (runner.ts). It builds the events the gateway builds
 * (events.ts), maps results the way it maps them (results.ts), and answers in its own shapes where
 * it answers itself (answers.ts): no route, over its payload quota, throttled, Lambda refusing or
 * failing the invocation, no answer within the integration timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type GatewayAnswer,
  GatewayAnswers,
  HTTP_API_MAX_INTEGRATION_TIMEOUT_MS,
  HTTP_API_MAX_PAYLOAD_BYTES,
  LAMBDA_MAX_SYNC_PAYLOAD_BYTES,
} from './answers.js';
import { buildEvent, gatewayRequestId, type RawRequest } from './events.js';
import { answerFromResult, type HttpAnswer } from './results.js';
import { routeTable } from './routes.js';
import {
  type FunctionSettings,
  type Invocation,
  type InvokeResult,
  LambdaFunction,
  lambdaEnvironment,
} from './runner.js';
import { type ThrottleSettings, type TokenBucket, tokenBucket } from './throttle.js';

export type RouteSettings = FunctionSettings & {
  /** The function's name (Lambda's `functionName`); derived from the route key when not given. */
  name?: string;
  /** This route's throttling, over the stage default. */
  throttle?: ThrottleSettings;
};

export type GatewayOptions = {
  /** Route key (`POST /pagos`, `POST /pagos/{provider}`, `ANY /x/{rest+}`) to the function behind it. */
  routes: Record<string, RouteSettings>;
  /** Environment of every function (each route's `env` goes over it). */
  env?: Record<string, string>;
  /** How long the gateway waits for a function; 30 s (the HTTP API maximum) when not given. */
  integrationTimeoutMs?: number;
  /** The stage's default route throttling; none when not given. */
  throttle?: ThrottleSettings;
  /** A fixed port; a free one when not given. */
  port?: number;
  /** Function output as it comes (it is kept either way: `logs()`). */
  echo?: (chunk: string) => void;
};

export type Gateway = {
  url: string;
  /** kill -9 of every execution environment of the route's function: in-flight requests get the gateway's 500. */
  crash(routeKey: string): Promise<void>;
  /** Every invocation so far (of one route, or all), in the order they started. */
  invocations(routeKey?: string): readonly Invocation[];
  /** What the functions wrote to stdout and stderr (the last 256 KiB per function). */
  logs(routeKey?: string): string;
  stop(): Promise<void>;
};

type Route = { fn: LambdaFunction; bucket: TokenBucket | undefined };

const functionNameOf = (routeKey: string) =>
  `gateway-${routeKey.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const integrationTimeoutMs = Math.min(
    options.integrationTimeoutMs ?? HTTP_API_MAX_INTEGRATION_TIMEOUT_MS,
    HTTP_API_MAX_INTEGRATION_TIMEOUT_MS,
  );
  const routes = new Map<string, Route>();
  for (const [routeKey, settings] of Object.entries(options.routes)) {
    const name = settings.name ?? functionNameOf(routeKey);
    const env = lambdaEnvironment(name, settings, options.env);
    const throttle = settings.throttle ?? options.throttle;
    routes.set(routeKey, {
      fn: new LambdaFunction(name, settings, env, options.echo),
      bucket: throttle && tokenBucket(throttle),
    });
  }
  const table = routeTable([...routes.keys()]);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = gatewayRequestId();
    const body = await readBody(req, HTTP_API_MAX_PAYLOAD_BYTES);
    if (body === undefined) return sendGatewayAnswer(res, requestId, GatewayAnswers.payloadTooLarge);
    const path = (req.url ?? '/').split('?', 1)[0]!;
    const matched = table.match(req.method ?? 'GET', path);
    const route = matched && routes.get(matched.routeKey);
    if (!matched || !route) return sendGatewayAnswer(res, requestId, GatewayAnswers.notFound);
    if (route.bucket && !route.bucket.take())
      return sendGatewayAnswer(res, requestId, GatewayAnswers.tooManyRequests);

    const event = buildEvent(rawRequest(req, body), matched, requestId);
    // Lambda refuses an event over its synchronous payload quota; the gateway answers 500.
    if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_SYNC_PAYLOAD_BYTES)
      return sendGatewayAnswer(res, requestId, GatewayAnswers.internalServerError);
    const result = await withIntegrationTimeout(route.fn.invoke(event, requestId), integrationTimeoutMs);
    if (result === 'integration_timeout')
      return sendGatewayAnswer(res, requestId, GatewayAnswers.serviceUnavailable);
    const answer = result.outcome === 'answered' ? answerFromResult(result.payload) : undefined;
    if (!answer) return sendGatewayAnswer(res, requestId, GatewayAnswers.internalServerError);
    sendAnswer(res, requestId, answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.echo?.(`[gateway] ${(error as Error).stack ?? error}\n`);
      if (!res.headersSent) sendGatewayAnswer(res, 'error', GatewayAnswers.internalServerError);
    });
  });
  await new Promise<void>((ready) => server.listen(options.port ?? 0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  const routeOf = (routeKey: string) => {
    const route = routes.get(routeKey);
    if (!route) throw new Error(`No route "${routeKey}"; routes: ${[...routes.keys()].join(', ')}`);
    return route;
  };
  const chosen = (routeKey?: string) => (routeKey ? [routeOf(routeKey)] : [...routes.values()]);

  return {
    url: `http://127.0.0.1:${port}`,
    crash: (routeKey) => routeOf(routeKey).fn.crash(),
    invocations: (routeKey) =>
      chosen(routeKey)
        .flatMap((r) => r.fn.invocations())
        .sort((a, b) => a.startedAt - b.startedAt),
    logs: (routeKey) =>
      chosen(routeKey)
        .map((r) => r.fn.logs())
        .join(''),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
      await Promise.all([...routes.values()].map((r) => r.fn.stop()));
    },
  };
}

function rawRequest(req: IncomingMessage, body: Buffer): RawRequest {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    httpVersion: req.httpVersion,
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
  };
}

/** The whole body, or undefined when it is over `limit` bytes (read to its end anyway, so the caller gets the answer). */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? undefined : Buffer.concat(chunks);
}

async function withIntegrationTimeout(
  invocation: Promise<InvokeResult>,
  timeoutMs: number,
): Promise<InvokeResult | 'integration_timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'integration_timeout'>((fire) => {
    timer = setTimeout(() => fire('integration_timeout'), timeoutMs);
  });
  try {
    // The function keeps running past the gateway's timeout; only the caller stops waiting.
    return await Promise.race([invocation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sendGatewayAnswer(res: ServerResponse, requestId: string, answer: GatewayAnswer): void {
  res.writeHead(answer.status, {
    'apigw-requestid': requestId,
    'content-length': Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}

function sendAnswer(res: ServerResponse, requestId: string, answer: HttpAnswer): void {
  const headers: Array<[string, string]> = [
    ...answer.headers.filter(([name]) => name !== 'content-length' && name !== 'apigw-requestid'),
    ['apigw-requestid', requestId],
    ['content-length', String(answer.body.length)],
  ];
  res.writeHead(answer.status, headers.flat());
  res.end(answer.body);
}
