/**
 * Plumbing for the browser journeys: `npm start` on free ports, Debian's chromium through
 * playwright-core, bounded waits, and the artifacts a failure leaves behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const ARTIFACTS = join(process.cwd(), 'tests', 'e2e', 'artifacts', 'browser');
export const CHROMIUM = process.env.PAGOS_CHROMIUM_PATH || '/usr/bin/chromium';
const READY_MS = 90_000;
const STOP_MS = 15_000;

/** Polls `check` until it returns something other than undefined/false; never waits forever. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms: number,
  explain?: () => string | Promise<string>,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const why = explain ? `\n${await explain()}` : '';
      throw new Error(`Timed out after ${ms} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export type LocalStack = { api: string; sandbox: string; output(): string; stop(): Promise<void> };

/** `npm start` (tsx local/start.ts) on free ports, with its own build folder; resolves on the ready line. */
export async function startLocalStack(extraEnv: Record<string, string>): Promise<LocalStack> {
  const [port, sandboxPort, dynamoPort, lambdaPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const api = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info' };
  delete env.AWS_ENDPOINT_URL_DYNAMODB; // npm start runs its own DynamoDB Local
  delete env.CONEKTA_API_URL;
  delete env.PAYMENTS_TABLE;
  // `npm start` is `tsx local/start.ts`; the same script under tsx's loader, without the tsx CLI in
  // between: that wrapper SIGKILLs its child when a relayed SIGTERM is not acknowledged within 30 ms
  // (a busy machine), which would orphan DynamoDB Local and serverless-offline (own process groups).
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: {
      ...env,
      ...extraEnv,
      PORT: String(port),
      LAMBDA_PORT: String(lambdaPort),
      CONEKTA_SANDBOX_PORT: String(sandboxPort),
      DYNAMODB_PORT: String(dynamoPort),
      PAGOS_ESBUILD_WORK_FOLDER: '.esbuild-browser',
      PAGOS_ESBUILD_WATCH: '.no-watch/**', // no rebuild mid-request if the tree changes
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so a last-resort kill takes all of it
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const stack = {
    api,
    sandbox: `http://localhost:${sandboxPort}`,
    output: () => output,
    stop: () => stop(child),
  };
  try {
    await waitFor(
      `the "Pagos API ready at ${api}" line of npm start`,
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
        return output.includes(`Pagos API ready at ${api}`);
      },
      READY_MS,
      () => `npm start said:\n${output}`,
    );
  } catch (err) {
    await stack.stop();
    throw err;
  }
  return stack;
}

/** SIGTERM lets start.ts stop its children (own groups) in order; SIGKILL the group if it does not. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // 'close', not 'exit': the last lines of its output are in by then.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  process.kill(child.pid!, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, STOP_MS);
  await closed;
  clearTimeout(timer);
}

/** Debian's chromium, headless, quiet on the network; Playwright gives it a fresh temp --user-data-dir. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 30_000,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export function resetArtifacts(): void {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
}

export function writeArtifact(name: string, content: string): void {
  writeFileSync(join(ARTIFACTS, name), content);
}

/** The buyer's last page as a PNG, and its HTML when the journey failed. */
export async function savePage(page: Page, name: string, failed: boolean): Promise<void> {
  await page
    .screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, timeout: 10_000 })
    .catch(() => {});
  if (!failed) return;
  const html = await page.content().catch((err: unknown) => `<!-- page.content() failed: ${err} -->`);
  writeArtifact(`${name}.html`, `<!-- ${page.url()} -->\n${html}`);
}

/** Lambda calls serverless-offline started ("POST /pagos (λ: pagos)") and never ended ("(λ: pagos) RequestId: …"). */
export function unansweredCalls(output: string): number {
  const ended = new Map<string, number>();
  for (const [, name = ''] of output.matchAll(/^\(λ: (\w+)\) RequestId: /gm))
    ended.set(name, (ended.get(name) ?? 0) + 1);
  let open = 0;
  for (const [, name = ''] of output.matchAll(/^\w+ \S+ \(λ: (\w+)\)$/gm)) {
    const left = ended.get(name) ?? 0;
    if (left > 0) ended.set(name, left - 1);
    else open += 1;
  }
  return open;
}

/**
 * Adds to a journey's error what npm start said meanwhile that explains it. A handler that hangs
 * until serverless-offline's Lambda timeout shows up only there, and the usual cause is local.
 */
export function explainFailure(error: unknown, stackOutput: string): unknown {
  const hung = Math.max(unansweredCalls(stackOutput), stackOutput.match(/Lambda timeout/g)?.length ?? 0);
  if (hung <= 0 || !(error instanceof Error)) return error;
  const original = error.message;
  error.message +=
    `\n\nnpm start shows ${hung} Lambda call(s) unanswered or timed out during this journey: a handler hung.` +
    ' If .ts/.js files of the project changed meanwhile, that is serverless-esbuild rebuilding them and' +
    ' serverless-offline reloading the handlers mid-request (see npm-start.log in the artifacts).';
  // jest prints the stack, which repeats the message as it was when the error was made
  error.stack = error.stack?.includes(original)
    ? error.stack.replace(original, error.message)
    : `${error.message}\n${error.stack ?? ''}`;
  return error;
}

/** The visible text of the page, or '' while it is between documents (mid-navigation). */
export const pageText = (page: Page): Promise<string> =>
  page
    .locator('body')
    // biome-ignore lint/performance/useDomNodeTextContent: what the buyer sees, without hidden links and scripts
    .innerText({ timeout: 1_000 })
    .catch(() => '');
