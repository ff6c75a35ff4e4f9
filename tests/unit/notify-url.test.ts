/** SSRF rules for notification targets: the URL text at create time, every resolved address at delivery. */
import fc from 'fast-check';
import { checkNotificationUrl, disallowedAddress, parseIPv6 } from '../../lib/notify/url-safety.js';

const remote = { localMode: false };
const local = { localMode: true };

describe('checkNotificationUrl outside local mode', () => {
  it.each([
    'http://127.0.0.1/x',
    'http://10.0.0.1/x',
    'http://169.254.169.254/latest',
    'http://[::1]/x',
    'ftp://example.com',
    'http://localhost:8080/notify',
    'http://shop.localhost/x',
    'http://0.0.0.0/x',
    'http://[::]/x',
    'http://172.16.5.4/x',
    'http://172.31.255.255/x',
    'http://192.168.1.10/x',
    'http://100.64.0.1/x',
    'http://100.127.255.254/x',
    'http://169.254.1.1/x',
    'http://[fe80::1]/x',
    'http://[fc00::1]/x',
    'http://[fd12:3456::1]/x',
    'http://[fd00:ec2::254]/latest',
    'http://[::ffff:127.0.0.1]/x',
    'http://[::ffff:10.0.0.1]/x',
    'http://[::ffff:a9fe:a9fe]/latest', // 169.254.169.254, hex form
    'http://[64:ff9b::a00:1]/x', // NAT64 of 10.0.0.1
    'http://[2002:a00:1::1]/x', // 6to4 of 10.0.0.1
    'http://2130706433/x', // 127.0.0.1 as one number
    'http://0x7f.1/x', // 127.0.0.1, hex and short
    'http://0177.0.0.1/x', // 127.0.0.1, octal
    'http://127.1/x',
    'http://intranet/notify',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://printer.local/x',
    'https://user:pass@shop.example.com/x',
    'https://user@shop.example.com/x',
    'https://:pass@shop.example.com/x',
    // A trailing dot is the same name: it does not get around the name rules.
    'http://metadata.google.internal./computeMetadata/v1/',
    'http://printer.local./x',
    'http://localhost./x',
    'not a url',
    'javascript:alert(1)',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    expect(checkNotificationUrl(url, remote)).toEqual(expect.stringMatching(/^must /));
  });

  it.each([
    'https://shop.example.com/pagos/notify',
    'http://shop.example.com:8080/notify?x=1',
    'http://8.8.8.8/x',
    'http://172.32.0.1/x', // just outside 172.16/12
    'http://100.128.0.1/x', // just outside 100.64/10
    'http://[2606:4700:4700::1111]/x',
    'https://shop.example.com./x',
  ])('allows %s', (url) => {
    expect(checkNotificationUrl(url, remote)).toBeUndefined();
  });

  it('names the problem', () => {
    expect(checkNotificationUrl('http://169.254.169.254/latest', remote)).toBe(
      'must be a public address, not cloud metadata (169.254.169.254)',
    );
    expect(checkNotificationUrl('http://[::ffff:10.0.0.1]/x', remote)).toBe(
      'must be a public address, not private (IPv4-mapped) (::ffff:a00:1)',
    );
    expect(checkNotificationUrl('ftp://example.com', remote)).toBe('must use http or https');
    expect(checkNotificationUrl('https://user@shop.example.com/x', remote)).toBe(
      'must not contain credentials',
    );
    expect(checkNotificationUrl('https://:pass@shop.example.com/x', remote)).toBe(
      'must not contain credentials',
    );
  });

  it('calls localhost loopback, trailing dot or not, and a dotless name not public', () => {
    for (const url of ['http://localhost/x', 'http://LOCALHOST./x'])
      expect(checkNotificationUrl(url, remote)).toBe('must be a public address, not loopback (localhost)');
    expect(checkNotificationUrl('http://shop.localhost/x', remote)).toBe(
      'must be a public address, not loopback (shop.localhost)',
    );
    expect(checkNotificationUrl('http://intranet/n', remote)).toBe('must be a public host name (intranet)');
    expect(checkNotificationUrl('http://metadata.google.internal./x', remote)).toBe(
      'must be a public host name (metadata.google.internal)',
    );
  });
});

describe('checkNotificationUrl in local mode', () => {
  it.each(['http://127.0.0.1/x', 'http://localhost:8080/notify', 'http://[::1]/x', 'http://10.0.0.1/x'])(
    'allows %s',
    (url) => {
      expect(checkNotificationUrl(url, local)).toBeUndefined();
    },
  );

  it('still refuses other schemes and credentials', () => {
    expect(checkNotificationUrl('ftp://example.com', local)).toBe('must use http or https');
    expect(checkNotificationUrl('http://u:p@127.0.0.1/', local)).toBe('must not contain credentials');
  });
});

describe('disallowedAddress', () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255));

  it('refuses every 10/8, 172.16/12 and 192.168/16 address, also IPv4-mapped', () => {
    fc.assert(
      fc.property(v4, fc.nat(15), ([b, c, d], sixteen) => {
        for (const ip of [`10.${b}.${c}.${d}`, `172.${16 + sixteen}.${c}.${d}`, `192.168.${c}.${d}`]) {
          expect(disallowedAddress(ip)).toBe('private');
          expect(disallowedAddress(`::ffff:${ip}`)).toBe('private (IPv4-mapped)');
        }
      }),
    );
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['100.64.0.0', 'carrier-grade NAT'],
    ['::ffff:169.254.169.254', 'cloud metadata (IPv4-mapped)'],
    ['::ffff:0.0.0.0', 'unspecified (IPv4-mapped)'],
    ['::127.0.0.1', 'loopback (IPv4-compatible)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['ff02::1', 'multicast'],
    ['192.0.0.1', 'IETF protocol assignment'],
    ['198.19.255.255', 'benchmarking'],
    ['100::1', 'discard-only'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['fec0::1', 'site-local'],
    ['64:ff9b::7f00:1', 'loopback (NAT64)'],
    ['2002:7f00:1::', 'loopback (6to4)'],
  ])('%s is %s', (ip, reason) => {
    expect(disallowedAddress(ip)).toBe(reason);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '172.15.255.255',
  ])('%s is public', (ip) => {
    expect(disallowedAddress(ip)).toBeUndefined();
  });

  it('parses every IPv6 spelling to the same bytes', () => {
    const expected = [...parseIPv6('0:0:0:0:0:ffff:7f00:1')!];
    for (const s of ['::ffff:127.0.0.1', '::FFFF:7F00:1', '[::ffff:7f00:1]', '0::ffff:127.0.0.1'])
      expect([...parseIPv6(s)!]).toEqual(expected);
    expect(parseIPv6('not-ip')).toBeUndefined();
    expect(disallowedAddress('example.com')).toBe('not an IP address');
  });
});
