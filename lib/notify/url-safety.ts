/**
 * Which notification targets Pagos may call (SSRF). A storefront's `notification_url` must be a
 * public http(s) address: Pagos runs inside a cloud network, and a URL pointing at loopback,
 * private ranges or the metadata service would let any caller make Pagos probe them.
 *
 * Checked twice: on the URL text when the payment is created (`checkNotificationUrl`, pure, no
 * DNS), and on every resolved address right before each delivery (`disallowedAddress`).
 */
import { isIPv4, isIPv6 } from 'node:net';

export type UrlCheckOptions = { localMode: boolean };

type Range = { base: readonly number[]; bits: number; reason: string };

const v4 = (cidr: string, reason: string): Range => {
  const [ip, bits] = cidr.split('/') as [string, string];
  return { base: ip.split('.').map(Number), bits: Number(bits), reason };
};

const v6 = (cidr: string, reason: string): Range => {
  const [ip, bits] = cidr.split('/') as [string, string];
  return { base: [...parseIPv6(ip)!], bits: Number(bits), reason };
};

// Never public unicast: nothing a storefront can legitimately listen on.
const V4_REFUSED: readonly Range[] = [
  v4('169.254.169.254/32', 'cloud metadata'),
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'carrier-grade NAT'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'IETF protocol assignment'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'benchmarking'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

type V6Refused = {
  direct: readonly Range[];
  /** IPv6 forms that carry an IPv4 address: the IPv4 rules apply to the embedded address. */
  embeddingV4: readonly { range: Range; at: number }[];
};

/**
 * Built for each IPv6 check (~18 us), not at import: parsing these took ~0.9 ms of every pagos
 * cold start, for a create whose URL names a host. Not memoized either: a value cached by the
 * first test that builds it would hide these lines from mutation testing's per-test coverage.
 */
const v6Refused = (): V6Refused => ({
  direct: [
    v6('fd00:ec2::254/128', 'cloud metadata'),
    v6('::/128', 'unspecified'),
    v6('::1/128', 'loopback'),
    v6('100::/64', 'discard-only'),
    v6('64:ff9b:1::/48', 'local-use NAT64'),
    v6('fc00::/7', 'unique-local'),
    v6('fe80::/10', 'link-local'),
    v6('fec0::/10', 'site-local'),
    v6('ff00::/8', 'multicast'),
  ],
  embeddingV4: [
    { range: v6('::ffff:0:0/96', 'IPv4-mapped'), at: 12 },
    { range: v6('::/96', 'IPv4-compatible'), at: 12 },
    { range: v6('64:ff9b::/96', 'NAT64'), at: 12 },
    { range: v6('2002::/16', '6to4'), at: 2 },
  ],
});

function inRange(bytes: readonly number[], range: Range): boolean {
  let bits = range.bits;
  // Stryker disable next-line EqualityOperator: one more byte at bits = 0 compares under a zero mask, always equal
  for (let i = 0; bits > 0; i += 1, bits -= 8) {
    // Stryker disable next-line EqualityOperator: at bits = 8 both arms give 0xff
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((bytes[i] ?? 0) & mask) !== ((range.base[i] ?? 0) & mask)) return false;
  }
  return true;
}

/** 16 bytes of an IPv6 address (brackets and zone id allowed), or undefined if it is not one. */
export function parseIPv6(text: string): Uint8Array | undefined {
  // Stryker disable next-line Regex: an address that isIPv6 accepts has brackets only around it, and its zone id runs to the end (whose characters parseInt ignores)
  const ip = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!isIPv6(ip)) return undefined;
  const groups: number[] = [];
  // Stryker disable next-line StringLiteral: split always returns a first element; the default only satisfies the type
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const toGroups = (part: string): number[] =>
    // Stryker disable next-line ConditionalExpression,StringLiteral: '' split gives one NaN group, which writes 0 bytes where the padding would
    part === ''
      ? []
      : part.split(':').flatMap((g) => {
          if (!g.includes('.')) return [Number.parseInt(g, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = toGroups(head);
  const right = tail === undefined ? [] : toGroups(tail);
  groups.push(...left, ...new Array(8 - left.length - right.length).fill(0), ...right);
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

function v4Reason(bytes: readonly number[]): string | undefined {
  return V4_REFUSED.find((r) => inRange(bytes, r))?.reason;
}

/**
 * Why this IP address must not be called, or undefined when it is public. Accepts IPv4, IPv6
 * (with or without brackets) and every IPv6 form that embeds an IPv4 address.
 */
export function disallowedAddress(address: string): string | undefined {
  if (isIPv4(address)) return v4Reason(address.split('.').map(Number));
  const bytes = parseIPv6(address);
  if (!bytes) return 'not an IP address';
  const refused = v6Refused();
  const direct = refused.direct.find((r) => inRange([...bytes], r));
  if (direct) return direct.reason;
  for (const { range, at } of refused.embeddingV4) {
    if (!inRange([...bytes], range)) continue;
    const reason = v4Reason([...bytes.slice(at, at + 4)]);
    if (reason) return `${reason} (${range.reason})`;
  }
  return undefined;
}

/** The URL's host without the brackets of an IPv6 literal: what a resolver or a socket takes. */
export const bareHostname = (url: URL): string =>
  // Stryker disable next-line Regex: a parsed hostname holds brackets only around an IPv6 literal
  url.hostname.replace(/^\[|\]$/g, '');

const hostOf = (url: URL): string => bareHostname(url).replace(/\.$/, '').toLowerCase();

/** The host is an IP literal (URL has already normalised forms like `0x7f.1` to `127.0.0.1`). */
export const isIpLiteral = (host: string): boolean => isIPv4(host) || isIPv6(host);

/**
 * The problem with a notification URL, worded as a field message ("must ..."), or undefined when
 * Pagos may call it. Pure: host names are judged by their text only; their addresses are checked
 * again at each delivery. In local mode any http(s) URL is allowed (the storefront runs here).
 */
export function checkNotificationUrl(value: string, options: UrlCheckOptions): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL, e.g. https://shop.example.com/path';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not contain credentials';
  if (options.localMode) return undefined;
  const host = hostOf(url);
  if (isIpLiteral(host)) {
    const reason = disallowedAddress(host);
    return reason ? `must be a public address, not ${reason} (${host})` : undefined;
  }
  if (host === 'localhost' || host.endsWith('.localhost'))
    return `must be a public address, not loopback (${host})`;
  // Names only an internal resolver answers: never a storefront on the internet.
  if (!host.includes('.') || host.endsWith('.internal') || host.endsWith('.local'))
    return `must be a public host name (${host})`;
  return undefined;
}
