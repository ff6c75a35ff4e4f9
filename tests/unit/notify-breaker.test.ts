/** The per-host circuit breaker: opens on consecutive timeouts only, one probe after the cooldown. */
import { HostBreakers } from '../../lib/notify/breaker.js';

const config = { threshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 };

it('opens after `threshold` consecutive breaking failures, and only for that host', () => {
  const now = 0;
  const b = new HostBreakers(config, () => now);
  b.record('silent', 'breaking');
  b.record('silent', 'breaking');
  expect(b.admit('silent')).toEqual({ go: true, probe: false });
  b.record('silent', 'breaking');
  expect(b.admit('silent')).toMatchObject({ go: false, until: 1_000, cooldownMs: 1_000 });
  expect(b.admit('healthy')).toEqual({ go: true, probe: false });
});

it('a success in between resets the count (HTTP error answers are successes for the breaker)', () => {
  const b = new HostBreakers(config, () => 0);
  b.record('h', 'breaking');
  b.record('h', 'breaking');
  b.record('h', 'ok');
  b.record('h', 'breaking');
  b.record('h', 'breaking');
  expect(b.admit('h').go).toBe(true);
});

it('lets one probe through after the cooldown; a failed probe doubles it up to the maximum', () => {
  let now = 0;
  const b = new HostBreakers(config, () => now);
  for (let i = 0; i < 3; i++) b.record('h', 'breaking');
  now = 1_000;
  expect(b.admit('h')).toEqual({ go: true, probe: true });
  expect(b.admit('h').go).toBe(false); // the probe is out: others wait
  b.record('h', 'breaking');
  expect(b.admit('h')).toMatchObject({ go: false, until: 3_000, cooldownMs: 2_000 });
  for (const step of [3_000, 7_000, 11_000]) {
    now = step;
    expect(b.admit('h')).toMatchObject({ probe: true });
    b.record('h', 'breaking');
  }
  expect(b.admit('h')).toMatchObject({ go: false, cooldownMs: 4_000 });
  now = 15_000;
  expect(b.admit('h')).toMatchObject({ probe: true });
  b.record('h', 'ok');
  expect(b.isOpen('h')).toBe(false);
});

it('a probe that was not made gives its slot back', () => {
  let now = 0;
  const b = new HostBreakers(config, () => now);
  for (let i = 0; i < 3; i++) b.record('h', 'breaking');
  now = 1_000;
  expect(b.admit('h')).toMatchObject({ probe: true });
  b.release('h');
  expect(b.admit('h')).toMatchObject({ probe: true });
});

it('while a probe is out, others come back a second from now, not at the long-past opening end', () => {
  let now = 0;
  const b = new HostBreakers(config, () => now);
  for (let i = 0; i < 3; i++) b.record('h', 'breaking');
  now = 5_000; // long after the cooldown ended
  expect(b.admit('h')).toEqual({ go: true, probe: true });
  expect(b.admit('h')).toEqual({ go: false, until: 6_000, cooldownMs: 1_000 });
});

it('late failures of attempts started before the opening do not push the cooldown out', () => {
  let now = 0;
  const b = new HostBreakers(config, () => now);
  for (let i = 0; i < 3; i++) b.record('h', 'breaking'); // open until 1 000
  now = 600;
  b.record('h', 'breaking'); // an attempt admitted before the breaker opened, timing out now
  expect(b.admit('h')).toMatchObject({ go: false });
  now = 1_000;
  expect(b.admit('h')).toEqual({ go: true, probe: true });
});
