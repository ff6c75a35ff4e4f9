/**
 * Plumbing for the browser journeys: `npm start` on free ports, Debian's chromium through
 * playwright-core, bounded waits, and the artifacts a failure leaves behind.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { freePort, type LocalStack, startLocalStack, waitFor } from '../../support/local-stack.js';

export { freePort, type LocalStack, startLocalStack, waitFor };

export const ARTIFACTS = join(process.cwd(), 'tests', 'e2e', 'artifacts', 'browser');
export const CHROMIUM = process.env.PAGOS_CHROMIUM_PATH || '/usr/bin/chromium';

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
