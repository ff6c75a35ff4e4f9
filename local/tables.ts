// Creates the DynamoDB tables declared in serverless.yml on a local endpoint, so the deployed shape
// (keys, GSIs, TTL) is the only definition: no second copy to drift.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type ProvisionedThroughput,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { parse, type Tags } from 'yaml';

export const SERVERLESS_YML = join(dirname(fileURLToPath(import.meta.url)), '..', 'serverless.yml');

/** Table names keyed by the camelCased logical id (PaymentsTable -> paymentsTable). */
export type TableNames = { paymentsTable: string } & Record<string, string>;

export type CreateTablesOptions = { configPath?: string; log?: (msg: string) => void };

export type TableDefinition = { logicalId: string; properties: Record<string, unknown> };

export type CreatedTable = { logicalId: string; tableName: string; created: boolean };

type Props = Record<string, unknown>;

export async function createTables(
  endpoint: string,
  names: TableNames,
  options: CreateTablesOptions = {},
): Promise<CreatedTable[]> {
  const client = localClient(endpoint);
  try {
    const results: CreatedTable[] = [];
    for (const def of readTableDefinitions(options.configPath)) {
      const input = toCreateTableInput(def, tableNameFor(def, names));
      results.push(await createOne(client, def, input, options.log));
    }
    return results;
  } finally {
    client.destroy();
  }
}

function localClient(endpoint: string): DynamoDBClient {
  // DynamoDB Local accepts any credentials; fixed ones keep this independent of the shell's AWS setup.
  return new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function createOne(
  client: DynamoDBClient,
  def: TableDefinition,
  input: CreateTableCommandInput,
  log?: (msg: string) => void,
): Promise<CreatedTable> {
  const tableName = input.TableName!;
  let created = true;
  try {
    await client.send(new CreateTableCommand(input));
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err;
    created = false; // already there (kept on disk from an earlier run): idempotent by design
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const drift = tableDrift(input, Table ?? {});
    if (drift.length > 0) {
      throw new Error(
        `table ${tableName} was made from an older serverless.yml (${drift.join('; ')}); ` +
          'start with npm start -- --fresh (this empties the local data)',
      );
    }
  }
  await ensureTtl(client, tableName, def.properties.TimeToLiveSpecification);
  log?.(`${created ? 'created' : 'exists '} ${tableName} (${def.logicalId})`);
  return { logicalId: def.logicalId, tableName, created };
}

async function ensureTtl(client: DynamoDBClient, TableName: string, spec: unknown): Promise<void> {
  const ttl = spec as { AttributeName?: string; Enabled?: unknown } | undefined;
  if (!ttl?.AttributeName || !isTrue(ttl.Enabled)) return;
  // UpdateTimeToLive fails when TTL is already on, so look first (keeps reruns idempotent).
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName,
      TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
    }),
  );
}

/** How an existing table differs from its definition in keys, indexes and stream: empty when it does not. */
export function tableDrift(want: CreateTableCommandInput, have: TableDescription): string[] {
  const keys = (schema: readonly KeySchemaElement[] | undefined) =>
    (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
  type Index = {
    IndexName?: string | undefined;
    KeySchema?: KeySchemaElement[] | undefined;
    Projection?: unknown;
  };
  const indexes = (list: readonly Index[] | undefined) =>
    Object.fromEntries(
      (list ?? []).map((i) => [i.IndexName, `${keys(i.KeySchema)} ${JSON.stringify(i.Projection ?? {})}`]),
    );
  const drift: string[] = [];
  if (keys(want.KeySchema) !== keys(have.KeySchema)) drift.push('key schema differs');
  for (const [kind, wanted, had] of [
    ['global index', indexes(want.GlobalSecondaryIndexes), indexes(have.GlobalSecondaryIndexes)],
    ['local index', indexes(want.LocalSecondaryIndexes), indexes(have.LocalSecondaryIndexes)],
  ] as const) {
    for (const name of new Set([...Object.keys(wanted), ...Object.keys(had)])) {
      if (!(name in had)) drift.push(`${kind} ${name} missing`);
      else if (!(name in wanted)) drift.push(`${kind} ${name} no longer declared`);
      else if (normalizeProjection(wanted[name]) !== normalizeProjection(had[name]))
        drift.push(`${kind} ${name} differs`);
    }
  }
  const wantStream = want.StreamSpecification?.StreamViewType;
  const haveStream = have.StreamSpecification?.StreamEnabled
    ? have.StreamSpecification.StreamViewType
    : undefined;
  if (wantStream !== haveStream) drift.push(`stream ${haveStream ?? 'off'}, declared ${wantStream ?? 'off'}`);
  return drift;
}

/** DescribeTable answers NonKeyAttributes in its own order. */
function normalizeProjection(text: string | undefined): string {
  return (text ?? '').replace(
    /"NonKeyAttributes":\[([^\]]*)\]/,
    (_, list: string) => `"NonKeyAttributes":[${list.split(',').sort().join(',')}]`,
  );
}

/** Every AWS::DynamoDB::Table in serverless.yml's resources.Resources. */
export function readTableDefinitions(configPath: string = SERVERLESS_YML): TableDefinition[] {
  const doc = parse(readFileSync(configPath, 'utf8'), { customTags: cloudFormationTags() }) as {
    resources?: { Resources?: Record<string, { Type?: string; Properties?: Props }> };
  };
  return Object.entries(doc?.resources?.Resources ?? {})
    .filter(([, r]) => r?.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, r]) => ({ logicalId, properties: r.Properties ?? {} }));
}

const INTRINSICS = [
  'Ref',
  'Condition',
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'And',
  'Equals',
  'If',
  'Not',
  'Or',
];

/** `!GetAtt X.Arn` etc. resolve to their long form ({ 'Fn::GetAtt': ... }), so the YAML parses cleanly. */
export function cloudFormationTags(): Tags {
  return INTRINSICS.flatMap((name) => {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    const wrap = (value: unknown) => ({ [key]: value });
    const toJs = (node: unknown) => wrap((node as { toJSON(): unknown }).toJSON());
    return [
      { tag: `!${name}`, resolve: (str: string) => wrap(str) },
      { tag: `!${name}`, collection: 'seq' as const, resolve: toJs },
      { tag: `!${name}`, collection: 'map' as const, resolve: toJs },
    ];
  }) as Tags;
}

function tableNameFor(def: TableDefinition, names: Record<string, string>): string {
  const key = def.logicalId.charAt(0).toLowerCase() + def.logicalId.slice(1);
  const given = names[key] ?? names[def.logicalId];
  if (given) return given;
  const declared = def.properties.TableName;
  // A literal name can be used as is; a ${...} or !Sub expression only resolves in the Serverless CLI.
  if (typeof declared === 'string' && !declared.includes('${')) return declared;
  throw new Error(`No local name for table ${def.logicalId}: pass { ${key}: '<name>' } to createTables`);
}

/** CloudFormation table properties -> the CreateTable call (deploy-only settings are left out). */
export function toCreateTableInput(def: TableDefinition, tableName: string): CreateTableCommandInput {
  const p = def.properties;
  const billingMode = (p.BillingMode as string | undefined) ?? 'PROVISIONED'; // CloudFormation's default
  const input: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: billingMode as CreateTableCommandInput['BillingMode'],
    AttributeDefinitions: p.AttributeDefinitions as AttributeDefinition[],
    KeySchema: p.KeySchema as KeySchemaElement[],
  };
  if (billingMode === 'PROVISIONED') input.ProvisionedThroughput = throughput(p.ProvisionedThroughput);
  const gsis = p.GlobalSecondaryIndexes as Props[] | undefined;
  if (gsis?.length) input.GlobalSecondaryIndexes = gsis.map((g) => gsi(g, billingMode));
  const lsis = p.LocalSecondaryIndexes as Props[] | undefined;
  if (lsis?.length) input.LocalSecondaryIndexes = lsis.map(lsi);
  const stream = p.StreamSpecification as { StreamViewType?: string } | undefined;
  if (stream?.StreamViewType) {
    input.StreamSpecification = {
      StreamEnabled: true,
      StreamViewType: stream.StreamViewType as 'NEW_AND_OLD_IMAGES',
    };
  }
  return input;
}

function gsi(g: Props, billingMode: string): GlobalSecondaryIndex {
  const index: GlobalSecondaryIndex = {
    IndexName: g.IndexName as string,
    KeySchema: g.KeySchema as KeySchemaElement[],
    Projection: g.Projection as GlobalSecondaryIndex['Projection'],
  };
  if (billingMode === 'PROVISIONED') index.ProvisionedThroughput = throughput(g.ProvisionedThroughput);
  return index;
}

function lsi(l: Props): LocalSecondaryIndex {
  return {
    IndexName: l.IndexName as string,
    KeySchema: l.KeySchema as KeySchemaElement[],
    Projection: l.Projection as LocalSecondaryIndex['Projection'],
  };
}

function throughput(value: unknown): ProvisionedThroughput {
  const t = (value ?? {}) as { ReadCapacityUnits?: unknown; WriteCapacityUnits?: unknown };
  return {
    ReadCapacityUnits: Number(t.ReadCapacityUnits ?? 1),
    WriteCapacityUnits: Number(t.WriteCapacityUnits ?? 1),
  };
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}
