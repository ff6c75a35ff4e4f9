/**
 * Pagos-Signature: what Pagos sends is what the storefront snippet accepts, and the README and
 * docs/notifications.md show exactly the tested code.
 */
import { readFileSync } from 'node:fs';
import { signatureHeader } from '../../lib/notify/signature.js';

type Verify = (
  rawBody: string | Buffer,
  header: string | undefined,
  secret: string,
  options?: { toleranceSeconds?: number; now?: number },
) => boolean;

const SNIPPET = new URL('../../docs/verify-pagos-signature.mjs', import.meta.url);
const DOCS = ['../../docs/notifications.md', '../../README.md'].map((path) => new URL(path, import.meta.url));
let verify: Verify;

beforeAll(async () => {
  // A path in a variable: TypeScript does not type-check the plain-JS storefront snippet.
  const path = '../../docs/verify-pagos-signature.mjs';
  ({ verifyPagosSignature: verify } = (await import(path)) as { verifyPagosSignature: Verify });
});

const secret = 'whsec_test_0123456789';
const body = JSON.stringify({ id: 'ntf_1', type: 'payment.paid', amount: '1000.00', amount_cents: 100_000 });
const now = 1_763_700_000_000;

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

  it('accepts what Pagos signs, as string or Buffer', () => {
    const header = signatureHeader(body, secret, now);
    expect(header).toMatch(/^t=1763700000,v1=[0-9a-f]{64}$/);
    expect(verify(body, header, secret, { now })).toBe(true);
    expect(verify(Buffer.from(body), header, secret, { now: now + 299_000 })).toBe(true);
  });

  it('refuses a tampered body, another secret, or a stale or future timestamp', () => {
    const header = signatureHeader(body, secret, now);
    expect(verify(body.replace('1000.00', '1.00'), header, secret, { now })).toBe(false);
    expect(verify(`${body} `, header, secret, { now })).toBe(false);
    expect(verify(body, header, 'another secret', { now })).toBe(false);
    expect(verify(body, header, secret, { now: now + 301_000 })).toBe(false);
    expect(verify(body, header, secret, { now: now - 301_000 })).toBe(false);
  });

  it('refuses malformed headers without throwing', () => {
    const v1 = signatureHeader(body, secret, now).split(',')[1];
    for (const header of [undefined, '', 't=', `t=abc,${v1}`, 't=1763700000', 't=1763700000,v1=zz', `${v1}`])
      expect(verify(body, header, secret, { now })).toBe(false);
    // The timestamp is signed: moving it breaks the signature.
    expect(verify(body, `t=1763700001,${v1}`, secret, { now })).toBe(false);
  });

  it('accepts any of several v1 values (secret rotation) and spaces after commas', () => {
    const header = signatureHeader(body, secret, now);
    const [t, v1] = header.split(',');
    expect(verify(body, `${t}, v1=${'0'.repeat(64)}, ${v1}`, secret, { now })).toBe(true);
  });
});
