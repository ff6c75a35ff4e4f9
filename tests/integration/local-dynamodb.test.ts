// The local tables come from serverless.yml: what DynamoDB Local reports must match what is declared there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { createTables, readTableDefinitions } from '../../local/tables.js';
import { createTestTable, dynamoEndpoint, testDynamoClient } from '../support/dynamodb.js';

let client: DynamoDBClient;
beforeAll(() => {
  client = testDynamoClient();
});
afterAll(() => client.destroy());

const byName = <T extends { AttributeName?: string | undefined }>(items: T[] | undefined) =>
  [...(items ?? [])].sort((a, b) => String(a.AttributeName).localeCompare(String(b.AttributeName)));

describe('payments table from serverless.yml', () => {
  const declared = readTableDefinitions().find((d) => d.logicalId === 'PaymentsTable');

  it('is declared with a key schema and TTL', () => {
    expect(declared).toBeDefined();
    expect(declared?.properties.KeySchema).toEqual(
      expect.arrayContaining([expect.objectContaining({ KeyType: 'HASH' })]),
    );
    expect(declared?.properties.TimeToLiveSpecification).toMatchObject({ Enabled: true });
  });

  it('exists over the wire with the declared keys, attributes, indexes and TTL', async () => {
    const name = await createTestTable('local-dynamodb');
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    const p = declared!.properties;
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual(p.KeySchema);
    expect(byName(Table?.AttributeDefinitions)).toEqual(byName(p.AttributeDefinitions as never));
    expect(Table?.BillingModeSummary?.BillingMode ?? 'PROVISIONED').toBe(p.BillingMode ?? 'PROVISIONED');
    const declaredGsis = (p.GlobalSecondaryIndexes as { IndexName: string }[] | undefined) ?? [];
    expect((Table?.GlobalSecondaryIndexes ?? []).map((g) => g.IndexName).sort()).toEqual(
      declaredGsis.map((g) => g.IndexName).sort(),
    );
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: (p.TimeToLiveSpecification as { AttributeName: string }).AttributeName,
    });
  });

  it('is idempotent: a second run finds the table and keeps TTL on', async () => {
    const name = await createTestTable('local-dynamodb-rerun');
    const again = await createTables(dynamoEndpoint(), { paymentsTable: name });
    expect(again).toEqual([{ logicalId: 'PaymentsTable', tableName: name, created: false }]);
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
  });

  it('gives each caller its own table', async () => {
    const [a, b] = await Promise.all([createTestTable('same'), createTestTable('same')]);
    expect(a).not.toBe(b);
  });
});

describe('createTables with other CloudFormation shapes', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const yml = (body: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'pagos-tables-'));
    dirs.push(dir);
    const file = join(dir, 'serverless.yml');
    writeFileSync(file, body);
    return file;
  };

  it('tolerates intrinsic tags and creates GSIs, provisioned throughput and streams', async () => {
    const configPath = yml(`
provider:
  iam: { role: { statements: [{ Resource: [!GetAtt Things.Arn, !Join ['/', [!GetAtt Things.Arn, 'index/*']]] }] } }
  environment: { A: !Ref Things, B: !Sub '\${AWS::StackName}-x', C: !Select [0, !GetAZs ''] }
resources:
  Resources:
    Bucket: { Type: AWS::S3::Bucket }
    Things:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: !Sub '\${AWS::StackName}-things'
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }, { AttributeName: owner, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: '3' }
        GlobalSecondaryIndexes:
          - IndexName: byOwner
            KeySchema: [{ AttributeName: owner, KeyType: HASH }]
            Projection: { ProjectionType: KEYS_ONLY }
            ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 }
        StreamSpecification: { StreamViewType: NEW_IMAGE }
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }
        TimeToLiveSpecification: { AttributeName: ttl, Enabled: 'true' }
    Fixed:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: fixed-name-${Date.now().toString(36)}
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
`);
    const things = `things-${Date.now().toString(36)}`;
    const created = await createTables(dynamoEndpoint(), { paymentsTable: 'unused', things }, { configPath });
    expect(created.map((c) => c.logicalId)).toEqual(['Things', 'Fixed']);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: things }));
    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 2, WriteCapacityUnits: 3 });
    expect(Table?.GlobalSecondaryIndexes?.[0]).toMatchObject({
      IndexName: 'byOwner',
      KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: things }));
    expect(ttl.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
    const fixed = await client.send(new DescribeTableCommand({ TableName: created[1]!.tableName }));
    expect(fixed.Table?.TableName).toMatch(/^fixed-name-/);
  });

  it('refuses a table whose name is an expression and was not given', async () => {
    const configPath = yml(`
resources:
  Resources:
    OtherTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: \${self:service}-other
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
`);
    await expect(createTables(dynamoEndpoint(), { paymentsTable: 'x' }, { configPath })).rejects.toThrow(
      "pass { otherTable: '<name>' }",
    );
  });

  it('refuses a table kept from an older serverless.yml, naming what changed and the way out', async () => {
    const name = `drift-${Date.now().toString(36)}`;
    const older = yml(`
resources:
  Resources:
    Things:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
`);
    const newer = yml(`
resources:
  Resources:
    Things:
      Type: AWS::DynamoDB::Table
      Properties:
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }, { AttributeName: owner, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        GlobalSecondaryIndexes:
          - IndexName: byOwner
            KeySchema: [{ AttributeName: owner, KeyType: HASH }]
            Projection: { ProjectionType: INCLUDE, NonKeyAttributes: [b, a] }
        StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
`);
    const names = { paymentsTable: 'unused', things: name };
    await createTables(dynamoEndpoint(), names, { configPath: older });
    await expect(createTables(dynamoEndpoint(), names, { configPath: newer })).rejects.toThrow(
      `table ${name} was made from an older serverless.yml (global index byOwner missing; stream off, declared NEW_AND_OLD_IMAGES); start with npm start -- --fresh`,
    );
    // The same definition again is no drift, whatever order DynamoDB answers the projection in.
    const again = `${name}-n`;
    await createTables(dynamoEndpoint(), { ...names, things: again }, { configPath: newer });
    await expect(
      createTables(dynamoEndpoint(), { ...names, things: again }, { configPath: newer }),
    ).resolves.toEqual([{ logicalId: 'Things', tableName: again, created: false }]);
  });
});
