/** Per-target and overall concurrency: a busy target never queues in front of another one. */
import { TargetLimiter, targetOf } from '../../lib/notify/limiter.js';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

it('a target holds at most its own slots; others go past its waiting tasks', async () => {
  const limiter = new TargetLimiter(3, 2);
  const started: string[] = [];
  const slow = deferred();
  const run = (target: string, name: string, gate?: Promise<void>) =>
    limiter.run(target, async () => {
      started.push(name);
      await gate;
    });
  const all = [
    run('slow', 's1', slow.promise),
    run('slow', 's2', slow.promise),
    run('slow', 's3', slow.promise),
    run('slow', 's4', slow.promise),
    run('fast', 'f1'),
    run('fast', 'f2'),
  ];
  await new Promise((r) => setTimeout(r, 10));
  // s3 and s4 wait for a slow slot without holding a shared one, so f1 and f2 ran.
  expect(started).toEqual(['s1', 's2', 'f1', 'f2']);
  slow.resolve();
  await Promise.all(all);
  expect(started.slice(4).sort()).toEqual(['s3', 's4']);
});

it('the overall limit holds across targets', async () => {
  const limiter = new TargetLimiter(2, 2);
  let active = 0;
  let peak = 0;
  await Promise.all(
    ['a', 'b', 'c', 'd', 'a', 'b'].map((t) =>
      limiter.run(t, async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active -= 1;
      }),
    ),
  );
  expect(peak).toBe(2);
});

it('a failing task frees its slots', async () => {
  const limiter = new TargetLimiter(1, 1);
  await expect(limiter.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(limiter.run('a', async () => 'ok')).resolves.toBe('ok');
});

it('targets are host and port, whatever the path', () => {
  expect(targetOf('https://Shop.Example.com/a?x')).toBe('shop.example.com');
  expect(targetOf('http://127.0.0.1:8080/b')).toBe('127.0.0.1:8080');
  expect(targetOf('nope')).toBe('invalid-url');
});
