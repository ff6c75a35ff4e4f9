/**
 * Operator CLI for the notification outbox: see dead notifications and send them again.
 *
 *   npm run notifications -- list [--dead] [--limit 50] [--json]
 *   npm run notifications -- show <id>
 *   npm run notifications -- redrive <id> [<id>...] | --all-dead
 *
 * Target: the local stack by default (AWS_ENDPOINT_URL_DYNAMODB, else http://localhost:$DYNAMODB_PORT;
 * PAYMENTS_TABLE, else pagos-local-payments), or a deployed stage with `--stage <stage>
 * [--region <region>]` (table pagos-<stage>-payments, your usual AWS credentials). `--table`
 * overrides the table name. A redriven notification is sent by the next sweep (within a minute).
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { OutboxEntry } from '../lib/notify/outbox.js';
import { DynamoNotificationOutbox } from '../lib/store/notifications.js';

const USAGE = `usage:
  npm run notifications -- list [--dead] [--limit N] [--json]
  npm run notifications -- show <id> [--json]
  npm run notifications -- redrive <id> [<id>...] | --all-dead
target (default: the local stack):
  --stage <stage> [--region <region>]   the deployed table pagos-<stage>-payments
  --table <name>                        another table name`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Target = { table: string; client: DynamoDBClient; description: string };

function target(values: { stage?: string; region?: string; table?: string }, env: NodeJS.ProcessEnv): Target {
  const region = values.region ?? env.AWS_REGION ?? 'us-east-1';
  if (values.stage) {
    if (!/^[a-zA-Z0-9-]+$/.test(values.stage)) throw new UsageError(`not a stage name: ${values.stage}`);
    const table = values.table ?? `pagos-${values.stage}-payments`;
    // A local endpoint left in the shell must not stand in for the real table.
    const client = new DynamoDBClient({ region, ignoreConfiguredEndpointUrls: true });
    return { table, client, description: `${table} (AWS ${region})` };
  }
  const endpoint = env.AWS_ENDPOINT_URL_DYNAMODB || `http://localhost:${env.DYNAMODB_PORT || 8000}`;
  const table = values.table ?? (env.PAYMENTS_TABLE || 'pagos-local-payments');
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { table, client, description: `${table} (${endpoint})` };
}

const host = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

function line(e: OutboxEntry): string {
  return [e.id, e.deadAt ?? '-', `${e.attempts} attempts`, host(e.url), e.lastResult ?? '-'].join('  ');
}

const OPTIONS = {
  dead: { type: 'boolean' },
  'all-dead': { type: 'boolean' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  stage: { type: 'string' },
  region: { type: 'string' },
  table: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export async function run(
  argv: string[],
  env: NodeJS.ProcessEnv,
  print: (text: string) => void,
  note: (text: string) => void,
): Promise<void> {
  const { values, positionals } = parse(argv);
  const [command, ...ids] = positionals;
  if (values.help || !command) {
    print(USAGE);
    return;
  }
  const t = target(values, env);
  const outbox = new DynamoNotificationOutbox(t.client, t.table);
  note(`notifications in ${t.description}`);
  try {
    switch (command) {
      case 'list': {
        const limit = values.limit === undefined ? Number.POSITIVE_INFINITY : Number(values.limit);
        if (!(limit > 0)) throw new UsageError('--limit must be a positive number');
        let shown = 0;
        let cursor: string | undefined;
        do {
          const page = await outbox.listDead({
            limit: Math.min(100, limit - shown),
            ...(cursor && { cursor }),
          });
          for (const e of page.entries) print(values.json ? JSON.stringify(e) : line(e));
          shown += page.entries.length;
          cursor = page.cursor;
        } while (cursor && shown < limit);
        note(`${shown} dead`);
        return;
      }
      case 'show': {
        if (ids.length !== 1) throw new UsageError('show takes one notification id');
        const entry = await outbox.get(ids[0]!);
        if (!entry) throw new UsageError(`no notification ${ids[0]}`);
        print(
          JSON.stringify({ ...entry, payload: JSON.parse(entry.payload) }, null, values.json ? undefined : 2),
        );
        return;
      }
      case 'redrive': {
        if (Boolean(values['all-dead']) === ids.length > 0)
          throw new UsageError('redrive takes notification ids or --all-dead, not both');
        let redriven = 0;
        if (values['all-dead']) {
          let cursor: string | undefined;
          do {
            const page = await outbox.listDead({ limit: 100, ...(cursor && { cursor }) });
            for (const e of page.entries) if (await outbox.redrive(e.id, Date.now())) redriven += 1;
            cursor = page.cursor;
          } while (cursor);
        } else {
          for (const id of ids) {
            if (await outbox.redrive(id, Date.now())) redriven += 1;
            else note(`${id}: not dead (unknown, pending or delivered); left as it is`);
          }
        }
        print(`redriven: ${redriven}`);
        return;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    t.client.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run(
    process.argv.slice(2),
    process.env,
    (text) => console.log(text),
    (text) => console.error(text),
  ).catch((error: Error) => {
    console.error(error.name === 'UsageError' ? `${error.message}\n${USAGE}` : `error: ${error.message}`);
    process.exitCode = error.name === 'UsageError' ? 2 : 1;
  });
}
