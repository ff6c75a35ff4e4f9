/**
 * lib/providers/conekta/webhook-signature.ts: what each refusal of a webhook's digest says (the
 * operator reads it in the logs), and the header forms at its edges. webhook-signature.test.ts
 * covers the forms and encodings; its `reason: /…/` expectations inside toMatchObject match any
 * value (a RegExp has no keys to compare), so the reasons are checked here word for word.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  decodeDigestHeader,
  parseWebhookPublicKeys,
  verifyConektaDigest,
  WebhookKeyConfigError,
} from '../../lib/providers/conekta/webhook-signature.js';

const pair = (modulusLength = 2048) => generateKeyPairSync('rsa', { modulusLength });
const key = pair();
const small = pair(1024);
const pem = (k: { publicKey: { export(o: object): string | Buffer } }) =>
  k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const body = Buffer.from('{"id":"evt_1","type":"order.paid"}');
const signature = sign('sha256', body, key.privateKey);
const keys = parseWebhookPublicKeys(pem(key));

const reasonOf = (check: ReturnType<typeof verifyConektaDigest>) => (check.ok ? 'accepted' : check.reason);

describe('parseWebhookPublicKeys: what a bad setting says', () => {
  it('names the setting and how to fill it when it holds no key', () => {
    expect(() => parseWebhookPublicKeys('just text')).toThrow(
      new WebhookKeyConfigError(
        'CONEKTA_WEBHOOK_PUBLIC_KEYS holds no "-----BEGIN PUBLIC KEY-----" block. Paste the public_key ' +
          'returned by Conekta (npm run webhook-key) as it is.',
      ),
    );
  });

  it('names the key that is broken, counting from one, with the parser’s error as cause', () => {
    const broken = '-----BEGIN PUBLIC KEY-----\nnot base64 at all\n-----END PUBLIC KEY-----';
    let error: unknown;
    try {
      parseWebhookPublicKeys(`${pem(key)}\n${broken}`);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WebhookKeyConfigError);
    expect((error as Error).message).toBe(
      'CONEKTA_WEBHOOK_PUBLIC_KEYS key #2 is not a valid PEM public key.',
    );
    // node:crypto's error, from outside the test's realm: checked by its shape.
    expect((error as Error).cause).toMatchObject({ message: expect.any(String) });
  });
});

describe('decodeDigestHeader: the edges of the header', () => {
  it('takes the prefix only at the start, after white space', () => {
    const text = signature.toString('base64');
    expect(decodeDigestHeader(`  sha256=${text}  `)).toMatchObject({ encoding: 'base64', signature });
    expect(decodeDigestHeader(`SHA-256=${text}`)).toMatchObject({ signature });
    expect(decodeDigestHeader(`x-sha256=${text}`)).toEqual({
      problem:
        'it is not base64, URL-safe base64 or percent-encoded base64 (after an optional "sha256=" prefix)',
    });
  });

  it('refuses padding in a text whose length is no multiple of four', () => {
    expect(decodeDigestHeader('QUJDRA=')).toEqual({
      problem:
        'it is not base64, URL-safe base64 or percent-encoded base64 (after an optional "sha256=" prefix)',
    });
    expect(decodeDigestHeader('QUJDRA==')).toMatchObject({ signature: Buffer.from('ABCD') });
  });

  it('refuses a "%" that is no percent-encoding', () => {
    expect(decodeDigestHeader('QUJD%zz')).toEqual({
      problem: 'it has a "%" that is not valid percent-encoding',
    });
  });
});

describe('verifyConektaDigest: what each refusal says', () => {
  it('an unsigned request', () => {
    expect(reasonOf(verifyConektaDigest(body, '  ', keys))).toBe(
      'Missing digest header: Conekta signs every webhook; unsigned requests are refused.',
    );
  });

  it('an empty body, even with a digest', () => {
    expect(reasonOf(verifyConektaDigest(Buffer.alloc(0), signature.toString('base64'), keys))).toBe(
      'Empty body: nothing to verify.',
    );
  });

  it('no configured key', () => {
    expect(reasonOf(verifyConektaDigest(body, signature.toString('base64'), []))).toBe(
      'No webhook public key is configured: set CONEKTA_WEBHOOK_PUBLIC_KEYS.',
    );
  });

  it('a header that is no encoding of a signature', () => {
    expect(reasonOf(verifyConektaDigest(body, 'not*base64', keys))).toBe(
      'The digest header is refused: it is not base64, URL-safe base64 or percent-encoded base64 (after an optional "sha256=" prefix).',
    );
  });

  it('a signature of another length than every key makes, naming the sizes', () => {
    const both = parseWebhookPublicKeys(`${pem(key)}\n${pem(small)}`);
    expect(reasonOf(verifyConektaDigest(body, Buffer.alloc(100).toString('base64'), both))).toBe(
      'The digest decodes to 100 bytes, but the configured webhook keys make 256 or 128-byte signatures: the header is ' +
        'truncated, in another encoding, or not signed by a key in CONEKTA_WEBHOOK_PUBLIC_KEYS.',
    );
  });

  it('a key that is no RSA key makes no signature of any size', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecKeys = parseWebhookPublicKeys(pem(ec));
    expect(reasonOf(verifyConektaDigest(body, signature.toString('base64'), ecKeys))).toContain(
      'make ?-byte signatures',
    );
  });

  it('a signature of the right size that does not match', () => {
    expect(
      reasonOf(verifyConektaDigest(Buffer.from('{"other":1}'), signature.toString('base64'), keys)),
    ).toBe(
      'The digest does not match the body for any configured webhook key (tried as an RSA-SHA256 ' +
        'signature and as an RSA-encrypted SHA-256, hex or raw). If Conekta sent it, add the ' +
        'account’s current key (GET /webhook_keys) to CONEKTA_WEBHOOK_PUBLIC_KEYS.',
    );
  });

  it('accepts the signature with the prefix and white space around it', () => {
    expect(verifyConektaDigest(body, ` sha256=${signature.toString('base64')} `, keys)).toEqual({
      ok: true,
      form: 'pkcs1-sha256',
      encoding: 'base64',
    });
  });
});
