/**
 * Delivery refusals happen before any connection: private addresses only ever appear here as
 * resolver answers, and a counting wrapper on Socket#connect proves nothing was dialled.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import net from 'node:net';
import tls from 'node:tls';
import { jest } from '@jest/globals';
import { postNotification, type Resolver } from '../../lib/notify/delivery.js';

let connects: string[] = [];
/** The `lookup` each connection was given: the only way it can learn an address. */
let lookups: LookupFunction[] = [];
/** Set by a test: connections fail at once (ECONNREFUSED) instead of dialling anything. */
let blockDial = false;
const realConnect = net.Socket.prototype.connect;

type ConnectOptions = { host?: string; port?: number; lookup?: LookupFunction };
beforeAll(() => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    // net.createConnection passes its normalised [options, callback] pair as one argument.
    const [raw] = args as [ConnectOptions | [ConnectOptions] | number | undefined];
    const first = Array.isArray(raw) ? raw[0] : raw;
    connects.push(typeof first === 'object' && first ? `${first.host}:${first.port}` : String(first));
    if (typeof first === 'object' && first?.lookup) lookups.push(first.lookup);
    if (blockDial) {
      process.nextTick(() =>
        this.destroy(Object.assign(new Error('dial blocked by the test'), { code: 'ECONNREFUSED' })),
      );
      return this;
    }
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
afterAll(() => {
  net.Socket.prototype.connect = realConnect;
});
beforeEach(() => {
  connects = [];
  lookups = [];
  blockDial = false;
});

/** What a lookup function answers, the way Node's net module asks it. */
const ask = (lookup: LookupFunction, options: LookupOptions) =>
  new Promise<{ address: string | LookupAddress[]; family: number | undefined }>((resolve, reject) =>
    lookup('ignored.example', options, (error, address, family) =>
      error ? reject(error) : resolve({ address, family }),
    ),
  );
/** The promise's value, or 'hung' if it takes longer than `ms`: a delivery must always settle. */
const within = <T>(ms: number, promise: Promise<T>): Promise<T | 'hung'> => {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), ms);
  });
  return Promise.race([promise, hung]).finally(() => clearTimeout(timer));
};

const request = (url: string) => ({ url, body: '{}', headers: { 'content-type': 'application/json' } });
const resolverFor = (...addresses: string[]): Resolver & { calls: string[] } => {
  const calls: string[] = [];
  const resolve = async (host: string): Promise<LookupAddress[]> => {
    calls.push(host);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
};
const remote = { timeoutMs: 1000, localMode: false };

describe('refused before connecting', () => {
  it.each([
    [['10.0.0.1']],
    [['169.254.169.254']],
    [['fd00:ec2::254']],
    [['::ffff:192.168.0.1']],
    [['100.64.1.1']],
    [['93.184.215.14', '10.1.2.3']], // one bad address among good ones is enough
    [['2606:2800:21f:cb07:6820:80da:af6b:8b2c', 'fe80::1']],
  ])('a host name resolving to %j', async (addresses) => {
    const resolve = resolverFor(...addresses);
    const result = await postNotification(request('https://shop.example.com/notify'), { ...remote, resolve });
    expect(result).toMatchObject({ ok: false, failure: 'refused' });
    expect(!result.ok && result.detail).toMatch(/^shop\.example\.com resolves to /);
    expect(resolve.calls).toEqual(['shop.example.com']);
    expect(connects).toEqual([]);
  });

  it.each(['http://10.0.0.1/x', 'http://[::1]/x', 'http://localhost/x', 'http://intranet/x'])(
    '%s, without even resolving',
    async (url) => {
      const resolve = resolverFor('93.184.215.14');
      const result = await postNotification(request(url), { ...remote, resolve });
      expect(result).toMatchObject({ ok: false, failure: 'refused' });
      expect(resolve.calls).toEqual([]);
      expect(connects).toEqual([]);
    },
  );

  it.each(['ftp://example.com/x', 'not a url'])('%s is not deliverable at all', async (url) => {
    const result = await postNotification(request(url), remote);
    expect(result).toMatchObject({ ok: false, failure: 'invalid_url' });
    expect(connects).toEqual([]);
  });

  it('DNS failures are network failures', async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.example'), { code: 'ENOTFOUND' });
    };
    const result = await postNotification(request('https://nowhere.example/x'), { ...remote, resolve });
    expect(result).toMatchObject({
      ok: false,
      failure: 'network',
      detail: expect.stringContaining('ENOTFOUND'),
    });
    expect(connects).toEqual([]);
  });

  it('a resolver that never answers runs into the deadline', async () => {
    const resolve: Resolver = () => new Promise(() => {});
    const result = await postNotification(request('https://slow-dns.example/x'), {
      ...remote,
      timeoutMs: 50,
      resolve,
    });
    expect(result).toMatchObject({ ok: false, failure: 'timeout' });
  });
});

describe('the connection goes where the check said', () => {
  let server: Server;
  let port: number;
  const hosts: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hosts.push(req.headers.host ?? '');
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a name that only the injected resolver knows reaches the checked address, resolved once', async () => {
    // receiver.test has no real DNS: the request can only arrive through the pinned lookup.
    const resolve = resolverFor('127.0.0.1');
    const result = await postNotification(request(`http://receiver.test:${port}/hook`), {
      timeoutMs: 2000,
      localMode: true,
      resolve,
    });
    expect(result).toMatchObject({ ok: true, status: 204 });
    expect(resolve.calls).toEqual(['receiver.test']);
    expect(hosts).toEqual([`receiver.test:${port}`]);
    expect(connects.length).toBeGreaterThan(0); // the counter works
  });
});

describe('what each failure says', () => {
  it('an invalid URL, a scheme that is not http(s), a refused URL: each with its reason', async () => {
    await expect(postNotification(request('not a url'), remote)).resolves.toMatchObject({
      failure: 'invalid_url',
      detail: 'not an absolute URL',
    });
    await expect(postNotification(request('ftp://example.com/x'), remote)).resolves.toMatchObject({
      failure: 'invalid_url',
      detail: 'ftp: is not http or https',
    });
    const refused = await postNotification(request('http://localhost/x'), remote);
    expect(refused).toMatchObject({
      failure: 'refused',
      detail: expect.stringMatching(/^notification_url must /),
    });
  });

  it('a DNS answer without any address is a network failure, nothing dialled', async () => {
    const resolve = resolverFor();
    const result = await postNotification(request('https://shop.example.com/x'), {
      ...remote,
      timeoutMs: 200,
      resolve,
    });
    expect(result).toMatchObject({
      ok: false,
      failure: 'network',
      detail: 'DNS: no address for shop.example.com',
    });
    expect(connects).toEqual([]);
  });

  it('a DNS error whose message lacks its code gets the code in front', async () => {
    const resolve: Resolver = async () => {
      throw Object.assign(new Error('server failure'), { code: 'ESERVFAIL' });
    };
    const result = await postNotification(request('https://shop.example.com/x'), { ...remote, resolve });
    expect(result).toMatchObject({ failure: 'network', detail: 'DNS: ESERVFAIL: server failure' });
  });

  it('the DNS deadline names the timeout, and the time spent covers it', async () => {
    const resolve: Resolver = () => new Promise(() => {});
    const result = await postNotification(request('https://slow-dns.example/x'), {
      ...remote,
      timeoutMs: 50,
      resolve,
    });
    expect(result).toMatchObject({ failure: 'timeout', detail: 'no DNS answer within 50 ms' });
    expect(result.ms).toBeGreaterThanOrEqual(45);
    expect(result.ms).toBeLessThan(1_000);
  });

  it('leaves no deadline timer behind once it has an answer', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    try {
      const result = await postNotification(request('https://shop.example.com/x'), {
        ...remote,
        timeoutMs: 60_000,
        resolve: resolverFor(),
      });
      expect(result).toMatchObject({ failure: 'network' });
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('which addresses the connection may use', () => {
  it('a public address passes the check and is the only one the connection can get', async () => {
    blockDial = true;
    const resolve = resolverFor('93.184.215.14');
    const result = await postNotification(request('https://shop.example.com/notify'), { ...remote, resolve });
    expect(result).toMatchObject({
      ok: false,
      failure: 'network',
      detail: 'ECONNREFUSED: dial blocked by the test',
    });
    expect(connects).toEqual(['shop.example.com:443']);
    expect(lookups).toHaveLength(1);
    await expect(ask(lookups[0]!, { all: true })).resolves.toEqual({
      address: [{ address: '93.184.215.14', family: 4 }],
    });
  });

  it('the pinned lookup answers like dns.lookup: IPv4 first, one address or all, by family', async () => {
    blockDial = true;
    const resolve = resolverFor('::1', '127.0.0.1');
    await postNotification(request('http://receiver.test:8080/hook'), {
      timeoutMs: 1000,
      localMode: true,
      resolve,
    });
    expect(connects).toEqual(['receiver.test:8080']);
    const [lookup] = lookups;
    await expect(ask(lookup!, { all: true })).resolves.toEqual({
      address: [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ],
    });
    await expect(ask(lookup!, { family: 0 })).resolves.toEqual({ address: '127.0.0.1', family: 4 });
    await expect(ask(lookup!, { family: 6 })).resolves.toEqual({ address: '::1', family: 6 });
    await expect(ask(lookup!, { family: 4 })).resolves.toEqual({ address: '127.0.0.1', family: 4 });
  });

  it('an IPv6 literal is used as it is, without asking the resolver', async () => {
    blockDial = true;
    const resolve = resolverFor('127.0.0.1');
    const result = await postNotification(request('http://[::1]:8080/hook'), {
      timeoutMs: 1000,
      localMode: true,
      resolve,
    });
    expect(result).toMatchObject({ failure: 'network' });
    expect(resolve.calls).toEqual([]);
    await expect(ask(lookups[0]!, { all: true })).resolves.toEqual({
      address: [{ address: '::1', family: 6 }],
    });
  });
});

describe('talking to the storefront', () => {
  type Seen = {
    method: string | undefined;
    url: string | undefined;
    headers: Record<string, unknown>;
    body: string;
  };
  let server: Server;
  let port: number;
  let seen: Seen[] = [];
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(204).end();
  const local = (path: string) => `http://127.0.0.1:${port}${path}`;
  const localMode = { timeoutMs: 2000, localMode: true };

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        handle(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen = [];
    handle = (_req, res) => res.writeHead(204).end();
  });

  it('POSTs the body with its headers to the path and query of the URL; 200 is delivered', async () => {
    handle = (_req, res) => res.writeHead(200).end('thanks');
    const before = performance.now();
    const result = await postNotification(
      {
        url: local('/hook?order=42'),
        body: '{"a":1}',
        headers: { 'content-type': 'application/json', 'pagos-attempt': '2' },
      },
      localMode,
    );
    const spent = performance.now() - before;
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(result.ms).toBeLessThanOrEqual(Math.ceil(spent));
    expect(seen).toEqual([
      {
        method: 'POST',
        url: '/hook?order=42',
        headers: expect.objectContaining({
          'content-type': 'application/json',
          'pagos-attempt': '2',
          'content-length': '7',
        }),
        body: '{"a":1}',
      },
    ]);
  });

  it.each([299, 204])('%i is delivered', async (status) => {
    handle = (_req, res) => res.writeHead(status).end();
    await expect(postNotification(request(local('/x')), localMode)).resolves.toMatchObject({
      ok: true,
      status,
    });
  });

  it.each([300, 302, 404, 503])(
    '%i is an HTTP failure with its status (redirects are not followed)',
    async (status) => {
      handle = (_req, res) => res.writeHead(status, { location: local('/elsewhere') }).end();
      const result = await postNotification(request(local('/x')), localMode);
      expect(result).toEqual({
        ok: false,
        failure: 'http_status',
        detail: `HTTP ${status}`,
        status,
        ms: expect.any(Number),
      });
      expect(seen.map((s) => s.url)).toEqual(['/x']);
    },
  );

  it('an https URL is never sent in clear, even to a server that speaks plain HTTP', async () => {
    const result = await postNotification(request(`https://127.0.0.1:${port}/x`), localMode);
    expect(result).toMatchObject({ ok: false, failure: 'network' });
    expect(seen).toEqual([]);
  });

  it('TLS names the host (SNI) for a host name, never for an IP address', async () => {
    const names: string[] = [];
    const tlsServer = tls.createServer({
      SNICallback: (name, cb) => {
        names.push(name);
        cb(new Error('no certificate here'));
      },
    });
    await new Promise<void>((r) => tlsServer.listen(0, '127.0.0.1', r));
    const tlsPort = (tlsServer.address() as AddressInfo).port;
    try {
      const byIp = await postNotification(request(`https://127.0.0.1:${tlsPort}/x`), localMode);
      const byName = await postNotification(request(`https://receiver.test:${tlsPort}/x`), {
        ...localMode,
        resolve: resolverFor('127.0.0.1'),
      });
      expect([byIp, byName]).toMatchObject([{ failure: 'network' }, { failure: 'network' }]);
      expect(names).toEqual(['receiver.test']);
    } finally {
      await new Promise<void>((r) => tlsServer.close(() => r()));
    }
  });

  it('stops reading at maxResponseBytes and hangs up, without waiting for the rest', async () => {
    let hungUp: Promise<void> = Promise.resolve();
    handle = (req, res) => {
      hungUp = new Promise((r) => req.socket.once('close', () => r()));
      res.writeHead(200);
      res.write('x'.repeat(16)); // and never ends
    };
    const result = await within(
      2_000,
      postNotification(request(local('/x')), { timeoutMs: 5_000, localMode: true, maxResponseBytes: 16 }),
    );
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result !== 'hung' && result.ms).toBeLessThan(1_000);
    await expect(within(1_000, hungUp)).resolves.toBeUndefined();
  });

  it('a short answer is read to its end', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.write('ok');
      setTimeout(() => res.end(), 100);
    };
    const result = await postNotification(request(local('/x')), localMode);
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.ms).toBeGreaterThanOrEqual(90);
  });

  it('a body cut off after the status line still counts as the answer, at once', async () => {
    handle = (req, res) => {
      res.writeHead(200);
      res.write('partial');
      setTimeout(() => req.socket.destroy(), 10);
    };
    const result = await within(
      2_000,
      postNotification(request(local('/x')), { timeoutMs: 10_000, localMode: true }),
    );
    expect(result).toMatchObject({ ok: true, status: 200 });
  });

  it('a refused connection is a network failure, with the system message as it is', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const result = await within(
      2_000,
      postNotification(request(`http://127.0.0.1:${closedPort}/x`), { timeoutMs: 10_000, localMode: true }),
    );
    expect(result).toMatchObject({
      ok: false,
      failure: 'network',
      detail: `connect ECONNREFUSED 127.0.0.1:${closedPort}`,
    });
  });

  it('a server that never answers runs into the deadline: a timeout, not a network failure', async () => {
    handle = () => {};
    const result = await postNotification(request(local('/x')), { timeoutMs: 100, localMode: true });
    expect(result).toMatchObject({ ok: false, failure: 'timeout', detail: 'no answer within 100 ms' });
    expect(result.ms).toBeGreaterThanOrEqual(95);
  });

  it('a final status below 200 is not a delivery', async () => {
    const raw = net.createServer((socket) => {
      socket.once('data', () => socket.end('HTTP/1.1 099 Odd\r\ncontent-length: 0\r\n\r\n'));
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
    const rawPort = (raw.address() as AddressInfo).port;
    try {
      const result = await postNotification(request(`http://127.0.0.1:${rawPort}/x`), localMode);
      expect(result).toMatchObject({ ok: false, failure: 'http_status', status: 99 });
    } finally {
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });
});
