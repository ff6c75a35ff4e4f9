/**
 * Delivery refusals happen before any connection: private addresses only ever appear here as
 * resolver answers, and a counting wrapper on Socket#connect proves nothing was dialled.
 */
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { postNotification, type Resolver } from '../../lib/notify/delivery.js';

let connects: string[] = [];
const realConnect = net.Socket.prototype.connect;

beforeAll(() => {
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const [first] = args as [{ host?: string; port?: number } | number | undefined];
    connects.push(typeof first === 'object' && first ? `${first.host}:${first.port}` : String(first));
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
afterAll(() => {
  net.Socket.prototype.connect = realConnect;
});
beforeEach(() => {
  connects = [];
});

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
