/**
 * The deploy smoke test (`npm run smoke`), run against `npm start` exactly as an operator runs it
 * against a stage: create a link, open its page, ask status, cancel, see it canceled.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type LocalStack, startLocalStack } from '../../support/local-stack.js';

let stack: LocalStack;
let api: string;

beforeAll(async () => {
  stack = await startLocalStack({}, { buildFolder: '.esbuild-smoke' });
  api = stack.api;
}, 120_000);

afterAll(() => stack?.stop(), 20_000);

type Run = { code: number; stdout: string; stderr: string };

const smoke = (...args: string[]) =>
  new Promise<Run>((resolve) => {
    execFile(
      'npm',
      ['run', 'smoke', '--', ...args],
      { env: { ...process.env, NODE_OPTIONS: '' }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

// npm itself echoes the command line (`> tsx scripts/smoke.ts --url ... --secret ...`); the
// script's own lines are the rest.
const ownLines = (run: Run) =>
  `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter((line) => !line.startsWith('> '))
    .join('\n');

it('passes every step against npm start and never prints the secret', async () => {
  const secret = `key_test_smoke_${randomUUID().replaceAll('-', '')}`;
  const run = await smoke('--url', api, '--secret', secret);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  const lines = ownLines(run);
  expect(lines).toMatch(/smoke: http:\/\/localhost:\d+\/pagos, reference_id smoke-\d+-[0-9a-f]{6}/);
  expect(lines).toMatch(
    /\[1\/5\] create a payment link: ok, order ord_\w+, checkout\.url http:\/\/localhost/,
  );
  expect(lines).toContain('[2/5] open the checkout page: ok, GET checkout.url -> 200');
  expect(lines).toMatch(/\[3\/5\] ask its status: ok, status (created|pending_payment)/);
  expect(lines).toContain('[4/5] cancel it: ok');
  expect(lines).toContain('[5/5] check it says canceled: ok, status canceled');
  expect(lines).toMatch(/smoke passed: 5 steps in \d+\.\d s/);
  expect(lines).not.toContain(secret);
}, 60_000);

it('fails with a clear message and a non-zero exit when a step fails', async () => {
  const run = await smoke('--url', `${api}/nowhere`, '--secret', 'key_test_smoke_missing_route');
  expect(run.code).toBe(1);
  expect(ownLines(run)).toMatch(/\[1\/5\] create a payment link: FAILED: create answered 404, expected 200/);
  expect(ownLines(run)).toContain('smoke FAILED at step 1 (create a payment link)');
  expect(ownLines(run)).not.toContain('key_test_smoke_missing_route');
}, 60_000);

it('refuses to run without a key', async () => {
  const run = await smoke('--url', api, '--secret', 'sk_nope');
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--secret must be a Conekta private key (key_...)');
}, 60_000);
