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

/** What the limiter still holds for hosts: a function instance lives for hours and sees many hosts. */
const held = (slots: HostSlots) => {
  const inner = slots as unknown as { inFlight: Map<string, number>; waiting: Map<string, unknown[]> };
  return { inFlight: inner.inFlight.size, waiting: inner.waiting.size };
};

it('take: a waiter that gives up leaves the queue; the one before it still gets the slot, the slot is not lost', async () => {
  const slots = new HostSlots(1);
  slots.tryTake('a');
  const patient = slots.take('a', 10_000);
  const hasty = slots.take('a', 100);
  jest.advanceTimersByTime(100);
  await expect(hasty).resolves.toBe(false);
  slots.give('a'); // to the patient waiter
  await expect(patient).resolves.toBe(true);
  expect(slots.tryTake('a')).toBe(false);
  slots.give('a'); // nobody waits: free again
  expect(slots.tryTake('a')).toBe(true);
  expect(slots.tryTake('a')).toBe(false);
});

it('take: an earlier waiter that got its slot does not later drop a new waiter', async () => {
  const slots = new HostSlots(1);
  slots.tryTake('a');
  const first = slots.take('a', 1_000);
  slots.give('a');
  await expect(first).resolves.toBe(true);
  jest.advanceTimersByTime(100);
  const second = slots.take('a', 5_000);
  jest.advanceTimersByTime(1_000); // past the first waiter's bound
  slots.give('a');
  await expect(second).resolves.toBe(true);
});

it('keeps nothing for a host once its slots are back and nobody waits', async () => {
  const slots = new HostSlots(1);
  slots.tryTake('served');
  const served = slots.take('served', 1_000);
  slots.give('served');
  await expect(served).resolves.toBe(true);
  slots.give('served');
  slots.tryTake('gave-up');
  const gaveUp = slots.take('gave-up', 100);
  jest.advanceTimersByTime(100);
  await expect(gaveUp).resolves.toBe(false);
  expect(held(slots)).toEqual({ inFlight: 1, waiting: 0 }); // the holder's slot only
  slots.give('gave-up');
  expect(held(slots)).toEqual({ inFlight: 0, waiting: 0 });
});
