/**
 * A reverse proxy on 127.0.0.1 in front of a local HTTP service (DynamoDB Local, the Conekta
 * sandbox) that can catch the next request matching a rule and hold it until the test releases it
 * (forwards it), drops it (destroys the connection) or answers it. With it a test can stop a
 * process at an exact point: wait until the write after Conekta's answer is held, then kill the
 * function that sent it. A held request whose caller goes away is abandoned: it is never sent on.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type ProxiedRequest = {
  /** 1, 2, ... in arrival order. */
  seq: number;
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
};

/** Every field given must match; a function decides alone. */
export type RequestMatch =
  | {
      method?: string;
      path?: string | RegExp;
      /** Header name (any case) to exact value or pattern, e.g. `{ 'x-amz-target': 'DynamoDB_20120810.PutItem' }`. */
      headers?: Record<string, string | RegExp>;
      /** Each must occur in the body (UTF-8). */
      bodyIncludes?: string | string[];
    }
  | ((request: ProxiedRequest) => boolean);

export type HeldRequest = ProxiedRequest & {
  /** Sends it on to the service and its answer back; resolves once the answer is passed on. */
  release(): Promise<void>;
  /** Destroys the caller's connection: no answer, nothing sent on. */
  drop(): void;
  /** Answers it here; the service never sees it. */
  answer(status: number, body?: string, headers?: Record<string, string>): void;
  /** The caller went away while it was held (it will never be sent on). */
  readonly abandoned: boolean;
};

export type Hold = {
  /** Resolves with the request once one matching the rule arrives (and is held). */
  caught: Promise<HeldRequest>;
  /** Stops waiting: a later match passes through. */
  cancel(): void;
};

export type FaultProxy = {
  url: string;
  /** Holds the next request matching `match`. Rules are tried in the order they were made. */
  hold(match: RequestMatch): Hold;
  /** Requests held now (not yet released, dropped, answered or abandoned). */
  held(): HeldRequest[];
  /** Every request seen, held or not, in arrival order. */
  requests(): ProxiedRequest[];
  stop(): Promise<void>;
};

/** A DynamoDB operation, as the SDK names it in `x-amz-target` (`PutItem`, `UpdateItem`, `TransactWriteItems`...). */
export function dynamoOperation(operation: string, bodyIncludes?: string | string[]): RequestMatch {
  return {
    method: 'POST',
    headers: { 'x-amz-target': `DynamoDB_20120810.${operation}` },
    ...(bodyIncludes !== undefined && { bodyIncludes }),
  };
}

export function matches(match: RequestMatch, request: ProxiedRequest): boolean {
  if (typeof match === 'function') return match(request);
  if (match.method && match.method.toUpperCase() !== request.method) return false;
  if (match.path !== undefined && !fits(match.path, request.path)) return false;
  for (const [name, wanted] of Object.entries(match.headers ?? {})) {
    const value = request.headers[name.toLowerCase()];
    if (!fits(wanted, Array.isArray(value) ? value.join(',') : (value ?? ''))) return false;
  }
  const text = request.body.toString('utf8');
  const needles = match.bodyIncludes === undefined ? [] : [match.bodyIncludes].flat();
  return needles.every((needle) => text.includes(needle));
}

const fits = (wanted: string | RegExp, value: string) =>
  typeof wanted === 'string' ? wanted === value : wanted.test(value);

type Rule = { match: RequestMatch; catch: (held: HeldRequest) => void };

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const rules: Rule[] = [];
  const seen: ProxiedRequest[] = [];
  const holding = new Set<HeldRequest>();
  let seq = 0;

  const forward = (request: ProxiedRequest, res: ServerResponse): Promise<void> =>
    new Promise((done) => {
      const headers = { ...request.headers, host: upstream.host };
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: request.method, path: request.path, headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          answer.pipe(res);
          answer.on('end', () => done());
          answer.on('error', () => done());
        },
      );
      out.on('error', () => {
        res.destroy();
        done();
      });
      out.end(request.body);
    });

  const holdRequest = (request: ProxiedRequest, req: IncomingMessage, res: ServerResponse): HeldRequest => {
    let settled = false;
    let abandoned = false;
    const settle = () => {
      const first = !settled && !abandoned;
      settled = true;
      holding.delete(held);
      return first;
    };
    const held: HeldRequest = {
      ...request,
      get abandoned() {
        return abandoned;
      },
      release: () => (settle() ? forward(request, res) : Promise.resolve()),
      drop: () => {
        if (settle()) req.socket.destroy();
      },
      answer: (status, body = '', headers = {}) => {
        if (settle())
          res.writeHead(status, { 'content-length': Buffer.byteLength(body), ...headers }).end(body);
      },
    };
    res.on('close', () => {
      if (settled || res.writableFinished) return;
      abandoned = true;
      holding.delete(held);
    });
    holding.add(held);
    return held;
  };

  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seq += 1;
    const request: ProxiedRequest = {
      seq,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    seen.push(request);
    const rule = rules.find((r) => matches(r.match, request));
    if (!rule) return void (await forward(request, res));
    rules.splice(rules.indexOf(rule), 1);
    rule.catch(holdRequest(request, req, res));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hold(match) {
      let rule: Rule | undefined;
      const caught = new Promise<HeldRequest>((resolve) => {
        rule = { match, catch: resolve };
        rules.push(rule);
      });
      return {
        caught,
        cancel: () => {
          if (rule && rules.includes(rule)) rules.splice(rules.indexOf(rule), 1);
        },
      };
    },
    held: () => [...holding],
    requests: () => [...seen],
    async stop() {
      for (const held of holding) held.drop();
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
    },
  };
}
