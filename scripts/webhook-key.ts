/**
 * CONEKTA_SECRET=... npm run webhook-key -- [--api https://api.conekta.io] [--stage prod] [--create]
 * (or pipe the key on stdin; never on the command line)
 *
 * Shows the Conekta account's webhook keys (creating one when it has none, or with --create),
 * then prints the public key and the commands that store it where Pagos reads it.
 */
import { parseArgs } from 'node:util';
import { ConektaClient } from '../lib/providers/conekta/client.js';
import { readSecret, refuseSecretOnCommandLine } from './secret-input.js';

type WebhookKey = {
  id: string;
  active?: boolean;
  livemode?: boolean;
  created_at?: number;
  public_key?: string;
};
type WebhookKeyList = { data?: WebhookKey[] };

refuseSecretOnCommandLine();
const { values } = parseArgs({
  options: {
    api: { type: 'string', default: process.env.CONEKTA_API_URL ?? 'https://api.conekta.io' },
    stage: { type: 'string', default: 'prod' },
    region: { type: 'string', default: process.env.AWS_REGION ?? 'us-east-1' },
    create: { type: 'boolean', default: false },
  },
});

const secret = await readSecret();
if (!secret.startsWith('key_')) {
  console.error('Usage: CONEKTA_SECRET=key_... npm run webhook-key -- [--api URL] [--stage prod] [--create]');
  console.error('The secret is your Conekta private API key; it is used for this call only.');
  process.exit(2);
}

const client = new ConektaClient({ baseUrl: values.api!, apiVersion: '2.3.0', timeoutMs: 15_000 });

try {
  const list = await client.send<WebhookKeyList>(secret, {
    method: 'GET',
    path: '/webhook_keys',
    query: { limit: 50 },
    deadline: Date.now() + 15_000,
  });
  let active = (list.data ?? []).filter((k) => k.active !== false && k.public_key);
  console.log(`Conekta at ${values.api}: ${list.data?.length ?? 0} webhook key(s), ${active.length} active.`);
  if (active.length === 0 || values.create) {
    const created = await client.send<WebhookKey>(secret, {
      method: 'POST',
      path: '/webhook_keys',
      body: { active: true },
      deadline: Date.now() + 15_000,
    });
    console.log(`Created webhook key ${created.id}.`);
    active = [created, ...active];
  }
  for (const key of active) {
    console.log(`\n# ${key.id} (livemode: ${key.livemode ?? 'unknown'})\n${key.public_key?.trim()}`);
  }
  const pems = active.map((k) => k.public_key?.trim()).join('\n');
  const oneLine = pems.replace(/\n/g, '\\n');
  const parameter = `/pagos/${values.stage}/conekta-webhook-public-keys`;
  console.log('\nStore it where `serverless deploy` reads it:');
  console.log(
    `  aws ssm put-parameter --region ${values.region} --name ${parameter} --type String --overwrite --value '${oneLine}'`,
  );
  console.log('\nOr, for a local run:');
  console.log(`  export CONEKTA_WEBHOOK_PUBLIC_KEYS='${oneLine}'`);
} catch (error) {
  const e = error as Error & { info?: { status?: number; details?: unknown } };
  console.error(
    `Conekta refused: ${e.message}${e.info?.details ? ` ${JSON.stringify(e.info.details)}` : ''}`,
  );
  process.exit(1);
}
