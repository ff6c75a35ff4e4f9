/** Issue 14: local mode cannot leave the machine: packaging any stage but `local` with it fails, naming the setting. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const serverless = (stage: string, env: Record<string, string>) =>
  run(
    'node_modules/.bin/serverless',
    ['package', '--stage', stage, '--package', `.serverless-guard-${stage}`],
    {
      env: { ...process.env, NODE_OPTIONS: '', PAGOS_ESBUILD_WORK_FOLDER: `.esbuild-guard-${stage}`, ...env },
    },
  );

it('PAGOS_LOCAL_MODE=true with stage prod fails before anything is built, and says which setting', async () => {
  const failure = await serverless('prod', { PAGOS_LOCAL_MODE: 'true' }).catch(
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  expect(failure).toMatchObject({ code: expect.any(Number) });
  expect(`${(failure as { stdout: string }).stdout}${(failure as { stderr: string }).stderr}`).toMatch(
    /PAGOS_LOCAL_MODE=true is only for the local stage/,
  );
}, 60_000);

it('the same setting with stage local (npm start) packages', async () => {
  const { stdout, stderr } = await serverless('local', { PAGOS_LOCAL_MODE: 'true' });
  expect(`${stdout}${stderr}`).toMatch(/Service packaged/);
}, 60_000);
