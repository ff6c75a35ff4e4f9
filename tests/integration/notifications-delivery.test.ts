/**
 * One delivery over real HTTP on loopback: redirects are not followed, at most 1 KiB of the answer
 * is read, one deadline covers everything, only 2xx counts.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DeliveryResult, postNotification } from '../../lib/notify/delivery.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        }),
    ),
  );
});

async function serve(listener: RequestListener, host = '127.0.0.1'): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const post = (url: string, timeoutMs = 2000): Promise<DeliveryResult> =>
  postNotification(
    { url, body: '{"id":"ntf_x"}', headers: { 'content-type': 'application/json' } },
    { timeoutMs, localMode: true },
  );

it('sends the body and headers as given', async () => {
  let seen: {
    method?: string | undefined;
    body: string;
    type?: string | undefined;
    length?: string | undefined;
  } = { body: '' };
  const url = await serve((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen = {
        method: req.method,
        body,
        type: req.headers['content-type'],
        length: req.headers['content-length'],
      };
      res.writeHead(202).end();
    });
  });
  expect(await post(`${url}/hook?shop=1`)).toMatchObject({ ok: true, status: 202 });
  expect(seen).toEqual({ method: 'POST', body: '{"id":"ntf_x"}', type: 'application/json', length: '14' });
});

it('does not follow redirects: a 3xx is a failure and the other place gets nothing', async () => {
  let elsewhere = 0;
  const other = await serve((_req, res) => {
    elsewhere += 1;
    res.writeHead(200).end();
  });
  const url = await serve((_req, res) => res.writeHead(307, { location: `${other}/x` }).end());
  expect(await post(url)).toMatchObject({
    ok: false,
    failure: 'http_status',
    status: 307,
    detail: 'HTTP 307',
  });
  expect(elsewhere).toBe(0);
});

it.each([400, 404, 410, 500, 503])('HTTP %i is a failure to retry', async (status) => {
  const url = await serve((_req, res) => res.writeHead(status).end('no'));
  expect(await post(url)).toMatchObject({ ok: false, failure: 'http_status', status });
});

it('reads at most 1 KiB of an endless answer', async () => {
  let written = 0;
  const url = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) written += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  const result = await post(url, 2000);
  expect(result).toMatchObject({ ok: true, status: 200 });
  expect(result.ms).toBeLessThan(2000); // it stopped reading, it did not wait for the deadline
  expect(written).toBeLessThan(64 * 1024 * 1024);
});

it('a 2xx whose body then stalls still counts as delivered', async () => {
  const url = await serve((_req, res) => {
    res.writeHead(200);
    res.write('partial');
  });
  expect(await post(url, 300)).toMatchObject({ ok: true, status: 200 });
});

it('no answer within the deadline is a timeout', async () => {
  const url = await serve(() => {});
  const result = await post(url, 200);
  expect(result).toMatchObject({ ok: false, failure: 'timeout' });
  expect(result.ms).toBeGreaterThanOrEqual(150);
});

it('a refused connection is a network failure', async () => {
  const url = await serve(() => {});
  await new Promise<void>((r) => {
    servers[0]!.close(() => r());
  });
  servers.length = 0;
  expect(await post(url)).toMatchObject({
    ok: false,
    failure: 'network',
    detail: expect.stringMatching(/ECONNREFUSED/),
  });
});

it('reaches a receiver on [::1] when IPv6 loopback exists', async () => {
  let url: string;
  try {
    url = await serve((_req, res) => res.writeHead(204).end(), '::1');
  } catch {
    return; // no IPv6 loopback on this machine
  }
  expect(await post(`${url}/hook`)).toMatchObject({ ok: true, status: 204 });
});
