// The digest header in every form Conekta's wording allows, in every encoding, and the ways a
// forged, altered or garbled one is refused. Signatures here are made with node:crypto directly,
// not with the sandbox, so this file does not share code with what it checks.
import {
  constants,
  createHash,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
  sign,
} from 'node:crypto';
import {
  DIGEST_ENCODINGS,
  DIGEST_FORMS,
  type DigestEncoding,
  type DigestForm,
  decodeDigestHeader,
  parseWebhookPublicKeys,
  verifyConektaDigest,
  WebhookKeyConfigError,
} from '../../lib/providers/conekta/webhook-signature.js';

const pair = (modulusLength = 2048) => generateKeyPairSync('rsa', { modulusLength });
const conekta = pair();
const other = pair();
const small = pair(1024);
const pem = (k: ReturnType<typeof pair>) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const body = Buffer.from(
  '{"id":"evt_1","type":"order.paid","data":{"object":{"id":"ord_1","name":"Piñata"}}}',
);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const encrypt = (key: KeyObject, plain: Buffer) =>
  privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, plain);

/** The signature bytes of each form, made independently of the code under test. */
const signers: Record<DigestForm, (b: Buffer, key: KeyObject) => Buffer> = {
  'pkcs1-sha256': (b, key) => sign('sha256', b, key),
  'rsa-encrypted-hex-sha256': (b, key) => encrypt(key, Buffer.from(sha256(b).toString('hex'), 'ascii')),
  'rsa-encrypted-raw-sha256': (b, key) => encrypt(key, sha256(b)),
};
const encoders: Record<DigestEncoding, (s: Buffer) => string> = {
  base64: (s) => s.toString('base64'),
  base64url: (s) => s.toString('base64url'),
  'url-encoded-base64': (s) => encodeURIComponent(s.toString('base64')),
};
const header = (form: DigestForm, encoding: DigestEncoding, b = body, key = conekta.privateKey) =>
  encoders[encoding](signers[form](b, key));

const keys = parseWebhookPublicKeys(pem(conekta));

describe('parseWebhookPublicKeys', () => {
  it('reads several PEMs, with real newlines or \\n escapes', () => {
    const escaped = pem(other).replace(/\n/g, '\\n');
    expect(parseWebhookPublicKeys(`${pem(conekta)}\n${escaped}`)).toHaveLength(2);
  });
  it('reads nothing from an empty setting', () => {
    expect(parseWebhookPublicKeys(undefined)).toEqual([]);
    expect(parseWebhookPublicKeys('  ')).toEqual([]);
  });
  it('names the setting when it holds no key', () => {
    expect(() => parseWebhookPublicKeys('not a key')).toThrow(WebhookKeyConfigError);
    expect(() => parseWebhookPublicKeys('not a key')).toThrow(/CONEKTA_WEBHOOK_PUBLIC_KEYS/);
  });
  it('refuses a broken PEM block', () => {
    expect(() =>
      parseWebhookPublicKeys('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----'),
    ).toThrow(/not a valid PEM/);
  });
});

describe('verifyConektaDigest: every form in every encoding', () => {
  const cases = DIGEST_FORMS.flatMap((form) => DIGEST_ENCODINGS.map((encoding) => [form, encoding] as const));

  it('covers 3 forms x 3 encodings', () => {
    expect(cases).toHaveLength(9);
  });

  it.each(cases)('%s in %s verifies and says which form and encoding matched', (form, encoding) => {
    expect(verifyConektaDigest(body, header(form, encoding), keys)).toEqual({ ok: true, form, encoding });
  });

  it.each(cases)('%s in %s: one changed body byte is refused', (form, encoding) => {
    const changed = Buffer.from(body);
    changed[12] = (changed[12] ?? 0) ^ 1;
    expect(verifyConektaDigest(changed, header(form, encoding), keys)).toMatchObject({ ok: false });
  });

  it.each(cases)('%s in %s by another key is refused, naming the setting to fix', (form, encoding) => {
    expect(verifyConektaDigest(body, header(form, encoding, body, other.privateKey), keys)).toEqual({
      ok: false,
      reason: expect.stringMatching(/does not match.*CONEKTA_WEBHOOK_PUBLIC_KEYS/),
    });
  });

  it.each(DIGEST_FORMS)('%s verifies under the second of several configured keys', (form) => {
    const several = parseWebhookPublicKeys(`${pem(other)}${pem(small)}${pem(conekta)}`);
    expect(verifyConektaDigest(body, header(form, 'base64'), several)).toMatchObject({ ok: true, form });
  });

  it('an RSA-PSS key is no Conekta webhook key: even its own signature is refused, never read as PKCS#1', () => {
    // Same modulus size as Conekta's keys, but another scheme: the key is not tried at all.
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
    const pssKeys = parseWebhookPublicKeys(pem(pss));
    const signedByPss = sign('sha256', body, pss.privateKey).toString('base64');
    expect(verifyConektaDigest(body, signedByPss, pssKeys)).toEqual({
      ok: false,
      reason: expect.stringMatching(/decodes to 256 bytes.*make \?-byte signatures/),
    });
  });

  it('a key of another size is simply not tried', () => {
    const both = parseWebhookPublicKeys(`${pem(small)}${pem(conekta)}`);
    const bySmall = header('pkcs1-sha256', 'base64', body, small.privateKey);
    expect(verifyConektaDigest(body, bySmall, both)).toEqual({
      ok: true,
      form: 'pkcs1-sha256',
      encoding: 'base64',
    });
  });
});

describe('verifyConektaDigest: encodings and prefixes', () => {
  const signature = signers['pkcs1-sha256'](body, conekta.privateKey);

  it.each([
    ['sha256= prefix', `sha256=${signature.toString('base64')}`, 'base64'],
    ['sha-256= prefix', `sha-256=${signature.toString('base64')}`, 'base64'],
    ['SHA-256= prefix', `SHA-256=${signature.toString('base64')}`, 'base64'],
    ['surrounding whitespace', `  ${signature.toString('base64')}\t`, 'base64'],
    ['base64url with padding', `${signature.toString('base64url')}==`, 'base64url'],
    [
      'percent-encoded base64url',
      encodeURIComponent(`${signature.toString('base64url')}==`),
      'url-encoded-base64',
    ],
    [
      'prefix and percent-encoding',
      `sha256=${encodeURIComponent(signature.toString('base64'))}`,
      'url-encoded-base64',
    ],
  ])('%s', (_, value, encoding) => {
    expect(verifyConektaDigest(body, value, keys)).toMatchObject({ ok: true, encoding });
  });

  it.each([
    ['a lowercase sha256= prefix', 'sha256='],
    ['an RFC 3230 SHA-256= prefix', 'SHA-256='],
    ['a mixed-case prefix', 'Sha-256='],
    ['a prefix then a space (the value is trimmed again)', 'sha256= '],
    ['a prefix then a tab, all inside outer spaces', ' sha-256=\t'],
  ])('accepts %s before the signature', (_, prefix) => {
    expect(verifyConektaDigest(body, `${prefix}${signature.toString('base64')}`, keys)).toEqual({
      ok: true,
      form: 'pkcs1-sha256',
      encoding: 'base64',
    });
  });

  it.each([
    // The prefix names the digest only in front: the same text anywhere else garbles the value.
    ['after the signature', `${signature.toString('base64')}sha256=`],
    [
      'inside the signature',
      `${signature.toString('base64').slice(0, 100)}sha256=${signature.toString('base64').slice(100)}`,
    ],
    ['after other text', `rsa-sha256=${signature.toString('base64')}`],
    ['twice', `sha256=sha256=${signature.toString('base64')}`],
    ['with a colon instead of "="', `sha256:${signature.toString('base64')}`],
    ['as one of several RFC 3230 digests', `MD5=AAAA,SHA-256=${signature.toString('base64')}`],
  ])('refuses a valid signature with the prefix %s', (_, value) => {
    expect(verifyConektaDigest(body, value, keys)).toMatchObject({ ok: false });
    expect(decodeDigestHeader(value)).toHaveProperty('problem');
  });

  it('base64url with padding is really padded in that case', () => {
    // 256 bytes -> 342 characters unpadded, 344 padded
    expect(signature.toString('base64url')).toHaveLength(342);
    expect(decodeDigestHeader(`${signature.toString('base64url')}==`)).toMatchObject({
      encoding: 'base64url',
      signature,
    });
  });

  it.each([
    ['an empty header', ''],
    ['a blank header', '   '],
    ['a missing header', undefined],
  ])('%s is refused as missing', (_, value) => {
    expect(verifyConektaDigest(body, value, keys)).toEqual({
      ok: false,
      reason: expect.stringMatching(/Missing digest header/),
    });
  });

  it.each([
    ['garbage', '!!!'],
    ['mixed alphabets', `${'A'.repeat(170)}+-${'A'.repeat(170)}`],
    [
      'inner whitespace',
      `${signature.toString('base64').slice(0, 100)} ${signature.toString('base64').slice(100)}`,
    ],
    [
      'padding in the middle',
      `${signature.toString('base64').slice(0, 100)}=${signature.toString('base64').slice(101)}`,
    ],
    ['a broken percent-escape', `${signature.toString('base64').slice(0, 100)}%zz`],
    ['an impossible length', 'A'.repeat(341)],
    ['another prefix', `md5=${signature.toString('base64')}`],
  ])('%s is refused as malformed, saying which encodings are accepted', (_, value) => {
    expect(verifyConektaDigest(body, value, keys)).toEqual({
      ok: false,
      reason: expect.stringMatching(
        /not base64, URL-safe base64 or percent-encoded base64|not valid percent/,
      ),
    });
  });

  it('a truncated signature is refused by length, without trying', () => {
    const truncated = signature.subarray(0, 255).toString('base64');
    expect(verifyConektaDigest(body, truncated, keys)).toEqual({
      ok: false,
      reason: expect.stringMatching(/decodes to 255 bytes.*256-byte signatures/),
    });
  });

  it('hex text instead of base64 decodes to the wrong length', () => {
    expect(verifyConektaDigest(body, signature.toString('hex'), keys)).toMatchObject({
      ok: false,
      reason: /384 bytes/,
    });
  });

  it('a signature with an extra byte is refused by length', () => {
    const longer = Buffer.concat([signature, Buffer.from([0])]).toString('base64');
    expect(verifyConektaDigest(body, longer, keys)).toMatchObject({ ok: false, reason: /257 bytes/ });
  });

  it('an empty body and no configured key are refused', () => {
    expect(verifyConektaDigest(Buffer.alloc(0), signature.toString('base64'), keys)).toMatchObject({
      ok: false,
      reason: /Empty body/,
    });
    expect(verifyConektaDigest(body, signature.toString('base64'), [])).toMatchObject({
      ok: false,
      reason: /No webhook public key/,
    });
  });
});

describe('verifyConektaDigest: near misses fail closed', () => {
  const digest = sha256(body);
  const refuses = (signature: Buffer) =>
    expect(verifyConektaDigest(body, signature.toString('base64'), keys)).toMatchObject({ ok: false });

  it('a hex-digest encryption made with another key', () => {
    refuses(encrypt(other.privateKey, Buffer.from(digest.toString('hex'))));
  });

  it('a PKCS#1 signature over the hex digest text instead of the body', () => {
    refuses(sign('sha256', Buffer.from(digest.toString('hex')), conekta.privateKey));
  });

  it('a PKCS#1 signature over the raw digest instead of the body', () => {
    refuses(sign('sha256', digest, conekta.privateKey));
  });

  it('the encrypted hex digest in UPPERCASE (PHP and Node write lowercase)', () => {
    refuses(encrypt(conekta.privateKey, Buffer.from(digest.toString('hex').toUpperCase())));
  });

  it('the encrypted hex digest of another body', () => {
    refuses(encrypt(conekta.privateKey, Buffer.from(sha256(Buffer.from('{}')).toString('hex'))));
  });

  it('only the first half of the hex digest encrypted (a raw-length comparison would pass it)', () => {
    refuses(encrypt(conekta.privateKey, Buffer.from(digest.toString('hex').slice(0, 32))));
  });

  it('the raw digest encrypted is reported as raw, never as hex (and the reverse)', () => {
    const raw = encrypt(conekta.privateKey, digest).toString('base64');
    const hex = encrypt(conekta.privateKey, Buffer.from(digest.toString('hex'))).toString('base64');
    expect(verifyConektaDigest(body, raw, keys)).toMatchObject({ form: 'rsa-encrypted-raw-sha256' });
    expect(verifyConektaDigest(body, hex, keys)).toMatchObject({ form: 'rsa-encrypted-hex-sha256' });
  });

  it('the hex digest with a trailing newline (echo without -n)', () => {
    refuses(encrypt(conekta.privateKey, Buffer.from(`${digest.toString('hex')}\n`)));
  });

  it('the SHA-1 of the body encrypted', () => {
    refuses(encrypt(conekta.privateKey, createHash('sha1').update(body).digest()));
  });

  it('random bytes of the right length', () => {
    refuses(Buffer.alloc(256, 7));
  });

  it('a valid signature, percent-encoded twice', () => {
    const once = encodeURIComponent(signers['pkcs1-sha256'](body, conekta.privateKey).toString('base64'));
    expect(verifyConektaDigest(body, encodeURIComponent(once), keys)).toMatchObject({ ok: false });
  });
});
