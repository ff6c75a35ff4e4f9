// Entry point for tests and the local stack: a Conekta API stand-in on node:http.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestHandler } from './app.js';
import { getContract } from './contract.js';
import { resolveOptions, type SandboxOptions } from './options.js';
import { loadState, StateWriter, stateDocument } from './persistence.js';
import { Sandbox } from './sandbox.js';
import { loadSpec } from './spec.js';
import { SandboxStore } from './store.js';
import { WebhookDispatcher } from './webhook-delivery.js';
import { generateKeyPairRsa, keyPairFromPem } from './webhooks.js';

export type { SandboxOptions } from './options.js';
export { SandboxStateError } from './persistence.js';

export interface RunningSandbox {
  /** Base URL of the Conekta API stand-in (use as the Conekta API base URL). */
  url: string;
  port: number;
  /** PEM of the key every account starts with; verifies `digest` headers. */
  defaultWebhookPublicKeyPem: string;
  /** The state file (absolute), or undefined when the state is in memory only. */
  statePath: string | undefined;
  /** Closes the server, aborts hung requests and in-flight deliveries, cancels retry timers. */
  stop(): Promise<void>;
}

const urlHost = (host: string) => {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
};

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startConektaSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const started = performance.now();
  const resolved = resolveOptions(options);
  const { statePath } = resolved;
  const spec = loadSpec();
  const { contract, compileMs } = getContract();
  const keyStarted = performance.now();
  const explicitKey = resolved.webhookPrivateKeyPem
    ? keyPairFromPem(resolved.webhookPrivateKeyPem)
    : undefined;
  const stateStarted = performance.now();
  // before anything is generated: an unusable file fails start here, and is left untouched
  const saved = statePath ? loadState(statePath, explicitKey) : undefined;
  const stateMs = performance.now() - stateStarted;
  const defaultKey = explicitKey ?? saved?.defaultKey ?? (await generateKeyPairRsa());
  const keyMs = performance.now() - keyStarted - stateMs;

  let writer: StateWriter | undefined;
  const store = new SandboxStore(defaultKey, {
    contents: saved?.contents,
    ...(statePath ? { onChange: () => writer?.changed() } : {}),
  });
  // written at once, so the default webhook key is kept even if nothing else happens before a kill
  if (statePath) {
    writer = new StateWriter({
      path: statePath,
      document: () => stateDocument(store.contents(), defaultKey, new Date()),
      log: resolved.log,
    });
  }

  const abort = new AbortController();
  let sandbox: Sandbox | undefined;
  const dispatcher = new WebhookDispatcher({
    retryScheduleMs: resolved.webhookRetryScheduleMs,
    timeoutMs: resolved.webhookTimeoutMs,
    faults: () => sandbox?.faults ?? resolved.faults,
    hostAliases: resolved.hostAliases,
    log: resolved.log,
    onRecord: (entry) => sandbox?.recordDelivery(entry),
  });
  sandbox = new Sandbox(resolved, contract, store, dispatcher, defaultKey, abort.signal, writer);
  const server = http.createServer(createRequestHandler(sandbox));
  await listen(server, resolved.port, resolved.host);
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(resolved.host)}:${port}`;
  sandbox.url = url;
  sandbox.publicUrl = resolved.publicUrl ?? url;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  sandbox.timings = {
    specSource: spec.source,
    specLoadMs: round(spec.loadMs),
    contractMs: round(compileMs),
    keyMs: round(keyMs),
    ...(statePath ? { stateMs: round(stateMs) } : {}),
    totalMs: round(performance.now() - started),
  };
  resolved.log(
    `listening on ${url} (startup ${sandbox.timings.totalMs} ms: spec ${sandbox.timings.specLoadMs} ms from ${spec.source}, ` +
      `contract ${sandbox.timings.contractMs} ms, webhook key ${sandbox.timings.keyMs} ms; later calls in this process reuse the spec)`,
  );
  if (statePath) {
    const resumed = saved ? sandbox.resumeDeliveries() : 0;
    resolved.log(
      saved
        ? `state loaded from ${statePath} in ${round(stateMs)} ms: ${saved.contents.orders.length} orders, ` +
            `${saved.contents.events.length} events, ${resumed} pending webhook deliveries resumed`
        : `state file ${statePath} created (none existed); every change is written to it`,
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      abort.abort();
      await dispatcher.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // includes hung requests and idle keep-alive sockets
      await closed;
      writer?.close();
    })();
    return stopping;
  };
  return { url, port, defaultWebhookPublicKeyPem: defaultKey.publicKeyPem, statePath, stop };
}
