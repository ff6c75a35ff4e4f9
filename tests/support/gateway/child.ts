/**
 * One Lambda execution environment, run by runner.ts as `node --import tsx child.ts <module> <export>
 * <freeze>`: imports the handler module once (the cold start), then runs one invocation at a time.
 * After each answer it freezes like Lambda: blocked reading stdin until the runner thaws it, so
 * timers and sockets an invocation left behind only move again during the next one. Stdin's end
 * (the runner is gone) ends it.
 */
import { readSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChildMessage, ContextFields, FunctionError, InvokeMessage } from './protocol.js';

type Handler = (event: unknown, context: unknown) => unknown;

const [modulePath = '', exportName = 'handler', freezeFlag = '1'] = process.argv.slice(2);

const send = (message: ChildMessage): Promise<void> =>
  new Promise((done) => process.send?.(message, undefined, undefined, () => done()));

function asFunctionError(error: unknown): FunctionError {
  if (error instanceof Error) return { errorType: error.name, errorMessage: error.message };
  return { errorType: 'Error', errorMessage: String(error) };
}

/** Lambda's context object: the fields the runner sent, plus the countdown to its deadline. */
function lambdaContext(fields: ContextFields) {
  const { deadlineMs, ...rest } = fields;
  return {
    ...rest,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function freezeUntilThawed(): void {
  const byte = Buffer.alloc(1);
  for (;;) {
    try {
      if (readSync(0, byte, 0, 1, null) === 0) process.exit(0);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') process.exit(0);
    }
  }
}

async function invoke(handler: Handler, message: InvokeMessage): Promise<void> {
  try {
    const payload = await handler(message.event, lambdaContext(message.context));
    await send({ type: 'result', id: message.id, payload });
  } catch (error) {
    await send({ type: 'error', id: message.id, error: asFunctionError(error) });
  }
  if (freezeFlag === '1') freezeUntilThawed();
}

async function main(): Promise<void> {
  process.on('disconnect', () => process.exit(0));
  let handler: Handler;
  try {
    const url = pathToFileURL(isAbsolute(modulePath) ? modulePath : resolve(modulePath)).href;
    const loaded = (await import(url)) as Record<string, unknown>;
    const found = loaded[exportName];
    if (typeof found !== 'function') throw new Error(`${modulePath} has no function export "${exportName}"`);
    handler = found as Handler;
  } catch (error) {
    await send({ type: 'init_error', error: asFunctionError(error) });
    process.exit(1);
  }
  process.on('message', (message: InvokeMessage) => {
    if (message?.type === 'invoke') void invoke(handler, message);
  });
  await send({ type: 'ready' });
}

void main();
