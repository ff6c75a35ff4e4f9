/** Per-host delivery slots: a burst to a healthy host waits briefly for a slot; a hung one is not waited for. */
import { jest } from '@jest/globals';
import { HostSlots, targetOf } from '../../lib/notify/limiter.js';

jest.useFakeTimers();
afterAll(() => jest.useRealTimers());

it('gives at most `perHost` slots per host at once, and other hosts their own', () => {
  const slots = new HostSlots(2);
  expect([slots.tryTake('a'), slots.tryTake('a'), slots.tryTake('a'), slots.tryTake('b')]).toEqual([
    true,
    true,
    false,
    true,
  ]);
  slots.give('a');
  expect(slots.tryTake('a')).toBe(true);
  expect(slots.tryTake('a')).toBe(false);
});

it('take: a free slot at once, without waiting', async () => {
  const slots = new HostSlots(1);
  await expect(slots.take('a', 0)).resolves.toBe(true);
  await expect(slots.take('a', 0)).resolves.toBe(false);
});

it('take: a slot given back within the wait passes to the first waiter, then the next', async () => {
  const slots = new HostSlots(1);
  expect(slots.tryTake('a')).toBe(true);
  const order: string[] = [];
  const first = slots.take('a', 1_000).then((ok) => order.push(`first:${ok}`));
  const second = slots.take('a', 1_000).then((ok) => order.push(`second:${ok}`));
  jest.advanceTimersByTime(100);
  slots.give('a'); // to the first waiter: still one in flight
  await first;
  expect(slots.tryTake('a')).toBe(false);
  slots.give('a'); // to the second
  await second;
  expect(order).toEqual(['first:true', 'second:true']);
  slots.give('a');
  expect(slots.tryTake('a')).toBe(true); // nobody waits any more: the slot is free
});

it('take: false once the wait is over, and a slot given back later goes to nobody who left', async () => {
  const slots = new HostSlots(1);
  slots.tryTake('a');
  const waited = slots.take('a', 500);
  jest.advanceTimersByTime(499);
  let settled: boolean | undefined;
  void waited.then((ok) => {
    settled = ok;
  });
  await Promise.resolve();
  expect(settled).toBeUndefined();
  jest.advanceTimersByTime(1);
  await expect(waited).resolves.toBe(false);
  slots.give('a');
  expect(slots.tryTake('a')).toBe(true);
  expect(slots.tryTake('a')).toBe(false);
});

it('take: waiting for one host never holds another host back', async () => {
  const slots = new HostSlots(1);
  slots.tryTake('slow');
  const waiting = slots.take('slow', 1_000);
  await expect(slots.take('fast', 1_000)).resolves.toBe(true);
  jest.advanceTimersByTime(1_000);
  await expect(waiting).resolves.toBe(false);
});

it('names a target by host and port, lower case; an unreadable URL is one target of its own', () => {
  expect(targetOf('https://Shop.Example:8443/notify?x=1')).toBe('shop.example:8443');
  expect(targetOf('https://shop.example/notify')).toBe('shop.example');
  expect(targetOf('not a url')).toBe('invalid-url');
});
