// `npm run sandbox`: the Conekta sandbox on its own (port CONEKTA_SANDBOX_PORT, default 4010;
// state in memory, or in the file CONEKTA_SANDBOX_STATE).
import { SandboxStateError, startConektaSandbox } from './server.js';

const port = Number(process.env.CONEKTA_SANDBOX_PORT ?? 4010);
const sandbox = await startConektaSandbox({
  port,
  log: (message) => console.log(`[conekta-sandbox] ${message}`),
}).catch((error: unknown) => {
  // the message says what is wrong with the file and what to do; a stack adds nothing
  if (!(error instanceof SandboxStateError)) throw error;
  console.error(`[conekta-sandbox] ${error.message}`);
  process.exit(1);
});

console.log(`Conekta sandbox: ${sandbox.url}
  API:       use it as the Conekta base URL, e.g.
             curl -H 'Authorization: Bearer key_demo' -H 'Accept: application/vnd.conekta-v2.3.0+json' ${sandbox.url}/orders
  Webhooks:  default public key (verifies the digest header) at GET ${sandbox.url}/_sandbox/webhook_public_key
             (fixed key: set CONEKTA_SANDBOX_WEBHOOK_PRIVATE_KEY; receivers: CONEKTA_SANDBOX_WEBHOOK_URLS)
  State:     ${sandbox.statePath ? `kept in ${sandbox.statePath}` : 'in memory (set CONEKTA_SANDBOX_STATE=<file> to keep it across restarts)'}
  Controls:  GET ${sandbox.url}/_sandbox/info`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`[conekta-sandbox] ${signal}: stopping`);
  sandbox.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
