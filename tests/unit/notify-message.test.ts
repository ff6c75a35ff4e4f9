/**
 * The queue's message body: what readQueuedNotification accepts (anything encodeQueuedNotification
 * wrote) and refuses (anything else, as UnreadableMessageError, so it dies at once), and the SQS
 * message group, which SQS caps at 128 characters.
 */
import {
  encodeQueuedNotification,
  MESSAGE_VERSION,
  messageGroupOf,
  newQueuedNotification,
  type QueuedNotification,
  readQueuedNotification,
  UnreadableMessageError,
} from '../../lib/notify/message.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';

const notification = {
  id: 'ntf_1',
  type: 'payment.paid',
  merchant: 'm_1',
  livemode: false,
} as unknown as StorefrontNotification;

const valid = (): Record<string, unknown> => ({
  ...newQueuedNotification('https://shop.example.com/notify', notification, 1_000),
});

/** The error readQueuedNotification throws for this body (fails the test when it throws none). */
function refusal(body: string): unknown {
  try {
    readQueuedNotification(body);
  } catch (err) {
    return err;
  }
  throw new Error(`read ${body} without refusing it`);
}

function expectRefused(body: string, message: string): void {
  const err = refusal(body);
  expect(err).toBeInstanceOf(UnreadableMessageError);
  expect((err as Error).message).toBe(message);
}

/** The valid message with `field` changed (or removed, for undefined). */
function withField(field: string, value: unknown): string {
  const m = valid();
  if (value === undefined) delete m[field];
  else m[field] = value;
  return JSON.stringify(m);
}

function withNotificationField(field: string, value: unknown): string {
  const n: Record<string, unknown> = { ...notification };
  if (value === undefined) delete n[field];
  else n[field] = value;
  return withField('notification', n);
}

describe('queued notification body', () => {
  it('reads back what it encoded, optional fields included', () => {
    const fresh = newQueuedNotification('https://shop.example.com/notify', notification, 1_000);
    expect(fresh).toEqual({
      v: MESSAGE_VERSION,
      url: 'https://shop.example.com/notify',
      notification,
      attempts: 0,
      due_at: 1_000,
      queued_at: 1_000,
    });
    expect(readQueuedNotification(encodeQueuedNotification(fresh))).toEqual(fresh);
    const retried: QueuedNotification = {
      ...fresh,
      attempts: 3,
      due_at: 5_000,
      deferrals: 2,
      last: { at: 4_000, result: 'http_error', status: 503, detail: 'busy' },
      dead: { at: 6_000, reason: 'attempts_exhausted' },
    };
    expect(readQueuedNotification(encodeQueuedNotification(retried))).toEqual(retried);
  });

  it('refuses a body that is not JSON', () => {
    expectRefused('{"v":1,', 'not JSON');
  });

  it.each(['null', '[]', JSON.stringify([valid()]), '"a message"', '1', 'true'])(
    'refuses %s, which is not an object, as not a v1 notification',
    (body) => {
      expectRefused(body, 'not a v1 notification');
    },
  );

  it.each([
    ['missing', undefined],
    ['2', 2],
    ['0', 0],
    ['"1"', '1'],
    ['null', null],
  ])('refuses an otherwise well-formed message whose version v is %s', (_, v) => {
    expectRefused(withField('v', v), 'not a v1 notification');
  });

  it.each([
    ['url', undefined],
    ['url', 42],
    ['url', null],
    ['notification', undefined],
    ['notification', null],
    ['notification', []],
    ['notification', 'ntf_1'],
    ['attempts', undefined],
    ['attempts', -1],
    ['attempts', 1.5],
    ['attempts', '0'],
    ['due_at', undefined],
    ['due_at', '1000'],
    ['due_at', null],
    ['queued_at', undefined],
    ['queued_at', '1000'],
    ['queued_at', null],
  ])('refuses a v1 message whose %s is %j', (field, value) => {
    expectRefused(withField(field, value), 'missing or malformed fields');
  });

  it.each([
    ['id', undefined],
    ['id', 1],
    ['merchant', undefined],
    ['merchant', 1],
    ['merchant', null],
  ])('refuses a v1 message whose notification %s is %j', (field, value) => {
    expectRefused(withNotificationField(field, value), 'missing or malformed fields');
  });

  it('accepts attempts 0, and any whole number above', () => {
    expect(readQueuedNotification(withField('attempts', 0)).attempts).toBe(0);
    expect(readQueuedNotification(withField('attempts', 7)).attempts).toBe(7);
  });

  it('names its error UnreadableMessageError', () => {
    const err = refusal('not json');
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('UnreadableMessageError');
    expect(new UnreadableMessageError('x').name).toBe('UnreadableMessageError');
  });
});

/** A host name of exactly `length` characters, in labels of at most 50 (DNS allows 63). */
function hostOfLength(length: number): string {
  const suffix = '.example.com';
  let name = '';
  while (name.length < length - suffix.length) name += `${'a'.repeat(49)}.`;
  const host = `${name.slice(0, length - suffix.length).replace(/\.$/, 'b')}${suffix}`;
  expect(host).toHaveLength(length);
  expect(host).not.toContain('..');
  return host;
}

describe('messageGroupOf', () => {
  it('is the storefront host and port, lower-cased', () => {
    expect(messageGroupOf('https://Shop.Example.com/notify')).toBe('shop.example.com');
    expect(messageGroupOf('https://shop.example.com:8443/notify?x=1')).toBe('shop.example.com:8443');
  });

  it('keeps a host of exactly 128 characters whole', () => {
    const host = hostOfLength(128);
    expect(messageGroupOf(`https://${host}/notify`)).toBe(host);
  });

  it.each([129, 200])('cuts a host of %i characters to its first 128, as SQS requires', (length) => {
    const host = hostOfLength(length);
    const group = messageGroupOf(`https://${host}/notify`);
    expect(group.length).toBeLessThanOrEqual(128);
    expect(group).toHaveLength(128);
    expect(host.startsWith(group)).toBe(true);
  });
});
