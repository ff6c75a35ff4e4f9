/** npm run webhook-key against the sandbox: lists or creates the key and prints how to store it. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';

const run = promisify(execFile);
let sandbox: RunningSandbox;
beforeAll(async () => {
  sandbox = await startConektaSandbox({ log: () => {}, env: {} });
});
afterAll(() => sandbox.stop());

const cli = (secret: string | undefined, ...args: string[]) => {
  const running = run('node_modules/.bin/tsx', ['scripts/webhook-key.ts', '--api', sandbox.url, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', CONEKTA_SECRET: secret ?? '' },
  });
  // No key in the environment: the CLI reads stdin, which says nothing here.
  running.child.stdin?.end();
  return running;
};

it('prints the account’s public key and the SSM command for the stage', async () => {
  const { stdout } = await cli('key_cli_test', '--stage', 'prod');
  expect(stdout).toContain(sandbox.defaultWebhookPublicKeyPem.trim().split('\n')[1]);
  expect(stdout).toMatch(/aws ssm put-parameter .*--name \/pagos\/prod\/conekta-webhook-public-keys/);
  expect(stdout).not.toContain('key_cli_test');
});

it('creates a new key with --create', async () => {
  const { stdout } = await cli('key_cli_create', '--create');
  expect(stdout).toMatch(/Created webhook key \w+/);
  expect(stdout.match(/^-----BEGIN PUBLIC KEY-----$/gm)?.length).toBe(2);
});

it('refuses a key on the command line, runs without one only to fail, and reports Conekta’s refusal', async () => {
  await expect(cli(undefined, '--secret', 'key_on_argv')).rejects.toMatchObject({
    code: 2,
    stderr: expect.stringMatching(/not put the Conekta key on the command line/),
  });
  await expect(cli(undefined)).rejects.toMatchObject({ code: 2 });
  await expect(cli('key_revoked')).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/Conekta refused/),
  });
});
