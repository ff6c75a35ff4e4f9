/**
 * The one storefront stand-in of the test suites: an HTTP server on 127.0.0.1 that records every
 * request (headers, raw bytes, parsed JSON) and answers as told (a status, or silence).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Received = {
  at: number;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  json: Record<string, unknown>;
};

export type Answer = 'ok' | 'error' | 'silent' | number;

/** A storefront on 127.0.0.1 that records what it receives and answers as `answer` says. */
export type Receiver = {
  url: string;
  received: Received[];
  answer: (request: Received, nth: number) => Answer;
  stop(): Promise<void>;
};

export async function startReceiver(
  answer: Receiver['answer'] = () => 'ok',
  options: { port?: number; path?: string } = {},
): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], answer, stop: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {}
    const got: Received = { at: Date.now(), headers: req.headers, raw, json };
    receiver.received.push(got);
    const what = receiver.answer(got, receiver.received.length);
    if (what === 'silent') return; // accepts the connection, never answers
    res.writeHead(what === 'ok' ? 204 : what === 'error' ? 500 : what).end();
  });
  await new Promise<void>((r) => server.listen(options.port ?? 0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  receiver.url = `http://127.0.0.1:${port}${options.path ?? '/pagos/notify'}`;
  receiver.stop = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return receiver;
}
