/**
 * Pagos-Signature: what Pagos sends is what the storefront snippet accepts (one v1 per live
 * secret), the snippet refuses another account's notification, and the README and
 * docs/notifications.md show exactly the tested code.
 */
import { readFileSync } from 'node:fs';
import { signatureHeader } from '../../lib/notify/signature.js';

type Verify = (
  rawBody: string | Buffer,
  header: string | undefined,
  options: {
    secret: string | string[];
    merchant: string;
    livemode: boolean;
    toleranceSeconds?: number;
    now?: number;
  },
) => Record<string, unknown> | null;

const SNIPPET = new URL('../../docs/verify-pagos-signature.mjs', import.meta.url);
const DOCS = ['../../docs/notifications.md', '../../README.md'].map((path) => new URL(path, import.meta.url));
let verify: Verify;

beforeAll(async () => {
  // A path in a variable: TypeScript does not type-check the plain-JS storefront snippet.
  const path = '../../docs/verify-pagos-signature.mjs';
  ({ verifyPagosNotification: verify } = (await import(path)) as { verifyPagosNotification: Verify });
});

const secret = 'pgsec_test_0123456789';
const merchant = 'conekta:acct_A:test';
const body = JSON.stringify({
  id: 'ntf_1',
  type: 'payment.paid',
  merchant,
  livemode: false,
  amount: '1000.00',
  amount_cents: 100_000,
});
const now = 1_763_700_000_000;
const mine = { secret, merchant, livemode: false, now };

describe('the documented verify snippet', () => {
  it.each(DOCS.map((doc) => [doc.pathname.split('/').pop(), doc]))(
    'is shown verbatim in %s',
    (_name, doc) => {
      const text = readFileSync(doc as URL, 'utf8');
      const shown = /<!-- verify-snippet:start -->\n```js\n([\s\S]*?)```\n<!-- verify-snippet:end -->/.exec(
        text,
      )?.[1];
      expect(shown).toBe(readFileSync(SNIPPET, 'utf8'));
    },
  );

  it('accepts what Pagos signs, as string or Buffer, and returns the notification', () => {
    const header = signatureHeader(body, [secret], now);
    expect(header).toMatch(/^t=1763700000,v1=[0-9a-f]{64}$/);
    expect(verify(body, header, mine)).toEqual(JSON.parse(body));
    expect(verify(Buffer.from(body), header, { ...mine, now: now + 299_000 })?.id).toBe('ntf_1');
  });

  it('refuses a tampered body, another secret, or a stale or future timestamp', () => {
    const header = signatureHeader(body, secret, now);
    expect(verify(body.replace('1000.00', '1.00'), header, mine)).toBeNull();
    expect(verify(`${body} `, header, mine)).toBeNull();
    expect(verify(body, header, { ...mine, secret: 'another secret' })).toBeNull();
    expect(verify(body, header, { ...mine, secret: '' })).toBeNull();
    expect(verify(body, header, { ...mine, now: now + 301_000 })).toBeNull();
    expect(verify(body, header, { ...mine, now: now - 301_000 })).toBeNull();
  });

  it('refuses a correctly signed notification of another merchant or the other mode', () => {
    // The attacker's own account signs with its own secret; the storefront checks the names too.
    for (const other of [
      { merchant: 'conekta:acct_B:test', livemode: false },
      { merchant, livemode: true },
      { merchant: undefined, livemode: false },
    ]) {
      const forged = JSON.stringify({ ...JSON.parse(body), ...other });
      expect(verify(forged, signatureHeader(forged, secret, now), mine)).toBeNull();
    }
  });

  it('refuses malformed headers and bodies without throwing', () => {
    const v1 = signatureHeader(body, secret, now).split(',')[1];
    for (const header of [undefined, '', 't=', `t=abc,${v1}`, 't=1763700000', 't=1763700000,v1=zz', `${v1}`])
      expect(verify(body, header, mine)).toBeNull();
    // The timestamp is signed: moving it breaks the signature.
    expect(verify(body, `t=1763700001,${v1}`, mine)).toBeNull();
    const notJson = 'not json';
    expect(verify(notJson, signatureHeader(notJson, secret, now), mine)).toBeNull();
  });

  it('signs once per live secret, newest first; any of them verifies, with spaces after commas', () => {
    const header = signatureHeader(body, ['new-secret', secret], now);
    const [t, v1new, v1old] = header.split(',');
    expect(header.split(',')).toHaveLength(3);
    expect(verify(body, header, { ...mine, secret: 'new-secret' })).not.toBeNull();
    expect(verify(body, header, mine)).not.toBeNull();
    expect(verify(body, `${t}, v1=${'0'.repeat(64)}, ${v1old}`, mine)).not.toBeNull();
    expect(verify(body, `${t},${v1new}`, mine)).toBeNull();
    expect(verify(body, `${t},${v1new}`, { ...mine, secret: ['old-gone', 'new-secret'] })).not.toBeNull();
  });

  it('never signs with no secret', () => {
    expect(() => signatureHeader(body, [], now)).toThrow(/never sent unsigned/);
  });
});
