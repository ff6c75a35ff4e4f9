import { generateKeyPairSync, sign } from 'node:crypto';
import {
  parseWebhookPublicKeys,
  verifyConektaDigest,
  WebhookKeyConfigError,
} from '../../lib/providers/conekta/webhook-signature.js';

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const conekta = pair();
const other = pair();
const pem = (k: ReturnType<typeof pair>) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const body = Buffer.from('{"id":"evt_1","type":"order.paid","data":{"object":{"id":"ord_1"}}}');
const digest = (b: Buffer, key = conekta.privateKey) => sign('sha256', b, key).toString('base64');

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

describe('verifyConektaDigest', () => {
  const keys = parseWebhookPublicKeys(pem(conekta));
  const both = parseWebhookPublicKeys(`${pem(other)}${pem(conekta)}`);

  it('accepts the signature of the exact bytes', () => {
    expect(verifyConektaDigest(body, digest(body), keys)).toEqual({ ok: true });
    expect(verifyConektaDigest(body, ` ${digest(body)} `, both)).toEqual({ ok: true });
  });
  it('refuses one changed byte', () => {
    const changed = Buffer.from(body);
    changed[10] = (changed[10] ?? 0) ^ 1;
    expect(verifyConektaDigest(changed, digest(body), keys).ok).toBe(false);
  });
  it('refuses a signature by another key', () => {
    expect(verifyConektaDigest(body, digest(body, other.privateKey), keys)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/CONEKTA_WEBHOOK_PUBLIC_KEYS/),
    });
  });
  it('refuses a missing header, an empty body and garbage', () => {
    expect(verifyConektaDigest(body, undefined, keys)).toMatchObject({ ok: false, reason: /Missing digest/ });
    expect(verifyConektaDigest(Buffer.alloc(0), digest(body), keys)).toMatchObject({
      ok: false,
      reason: /Empty body/,
    });
    expect(verifyConektaDigest(body, '!!!', keys).ok).toBe(false);
    expect(verifyConektaDigest(body, digest(body), []).ok).toBe(false);
  });
});
