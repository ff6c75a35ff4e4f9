/**
 * What `serverless deploy --stage prod` would ship, checked before anyone deploys it:
 * `serverless package` runs offline (no AWS credentials, a clean environment holding decoy
 * secrets) and the CloudFormation template and function zips are read back. Least privilege is
 * checked against the code: each function's bundle imports exactly the AWS SDK commands it can
 * send (the SDK is external, so esbuild keeps those imports by name), and its role may grant only
 * those actions plus what its event source mapping calls with that role.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { NotifyMetric } from '../../lib/notify/metrics.js';
import { matchesPattern } from '../../local/event-sources.js';

const STAGE = 'prod';
const FUNCTIONS = {
  pagos: 'functions/pagos.mjs',
  webhooks: 'functions/webhooks.mjs',
  notificationEnqueuer: 'functions/notification-enqueuer.mjs',
  notificationDelivery: 'functions/notification-delivery.mjs',
} as const;
type FunctionName = keyof typeof FUNCTIONS;
// Values a developer's shell may hold; none may reach what is deployed.
const DECOYS = {
  CONEKTA_WEBHOOK_PUBLIC_KEYS: '-----BEGIN PUBLIC KEY-----\nDECOYPEMDECOYPEM\n-----END PUBLIC KEY-----',
  PAYMENTS_TABLE: 'decoy-local-table',
  CONEKTA_API_URL: 'http://decoy.invalid:4010',
  NOTIFICATION_QUEUE_URL: 'http://decoy.invalid:9324/000000000000/decoy-queue',
};

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is read field by field
type Json = any;
let dir: string;
let templateText: string;
let stateText: string;
let template: Json;
let resources: Record<string, Json>;
const zips = new Map<string, Map<string, Buffer>>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pagos-template-'));
  await promisify(execFile)('node_modules/.bin/serverless', ['package', '--stage', STAGE, '--package', dir], {
    // Nothing from this process (AWS_*, local endpoints, real secrets): only what a shell needs.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PAGOS_ESBUILD_WORK_FOLDER: '.esbuild-template',
      ...DECOYS,
    },
    timeout: 90_000,
  });
  templateText = readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8');
  stateText = readFileSync(join(dir, 'serverless-state.json'), 'utf8');
  template = JSON.parse(templateText);
  resources = template.Resources;
  for (const name of Object.keys(FUNCTIONS)) zips.set(name, readZip(readFileSync(join(dir, `${name}.zip`))));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ofType = (type: string): Array<[string, Json]> =>
  Object.entries(resources).filter(([, r]) => r.Type === type);
const functions = () => ofType('AWS::Lambda::Function').map(([, r]) => r.Properties);
const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const fn = (name: FunctionName) => functions().find((f) => f.FunctionName === `pagos-${STAGE}-${name}`);
const mappings = () => ofType('AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties);
const mappingOf = (name: FunctionName) =>
  mappings().find(
    (m) => m.FunctionName['Fn::GetAtt'][0] === `${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`,
  );
const tableArn = { 'Fn::GetAtt': ['PaymentsTable', 'Arn'] };
const streamArn = { 'Fn::GetAtt': ['PaymentsTable', 'StreamArn'] };
const queueArn = { 'Fn::GetAtt': ['NotificationQueue', 'Arn'] };
const deadArn = { 'Fn::GetAtt': ['NotificationDeadLetterQueue', 'Arn'] };
const indexArn = { 'Fn::Join': ['/', [tableArn, 'index', 'by-merchant']] };

describe('payments table', () => {
  const table = () => resources.PaymentsTable;

  it('survives `serverless remove` and replacements', () => {
    expect(table().DeletionPolicy).toBe('Retain');
    expect(table().UpdateReplacePolicy).toBe('Retain');
    expect(table().Properties.DeletionProtectionEnabled).toBe(true);
  });

  it('is on demand, with point-in-time recovery, encryption, only the by-merchant index, and its stream', () => {
    const p = table().Properties;
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(p.GlobalSecondaryIndexes.map((g: Json) => g.IndexName)).toEqual(['by-merchant']);
    expect(p.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expires_at', Enabled: true });
  });

  it('no longer has the outbox machinery: no notify-queue index, no sweeper, no schedule', () => {
    expect(templateText).not.toMatch(/notify-queue|[Ss]weeper/);
    expect(ofType('AWS::Events::Rule')).toEqual([]);
    expect(ofType('AWS::Scheduler::Schedule')).toEqual([]);
  });
});

describe('notification queues', () => {
  const queue = () => resources.NotificationQueue.Properties;
  const dead = () => resources.NotificationDeadLetterQueue.Properties;

  it('send what the function keeps failing on to the dead-letter queue, kept 14 days', () => {
    expect(queue().RedrivePolicy).toEqual({ deadLetterTargetArn: deadArn, maxReceiveCount: 5 });
    expect(dead().MessageRetentionPeriod).toBe(14 * 86_400);
    expect(queue().MessageRetentionPeriod).toBeGreaterThanOrEqual(86_400);
    for (const q of [queue(), dead()]) expect(q.SqsManagedSseEnabled).toBe(true);
    expect(queue().QueueName).toBe(`pagos-${STAGE}-notifications`);
    expect(dead().QueueName).toBe(`pagos-${STAGE}-notifications-dead`);
  });

  it('hold a received message longer than the delivery function can run (6x, as AWS advises)', () => {
    expect(queue().VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn('notificationDelivery').Timeout);
  });

  it('are named to the functions that use them', () => {
    for (const name of ['notificationEnqueuer', 'notificationDelivery'] as const) {
      expect(fn(name).Environment.Variables).toMatchObject({
        NOTIFICATION_QUEUE_URL: { Ref: 'NotificationQueue' },
        NOTIFICATION_DLQ_URL: { Ref: 'NotificationDeadLetterQueue' },
      });
    }
    expect(template.Outputs.NotificationDeadLetterQueueUrl.Value).toEqual({
      Ref: 'NotificationDeadLetterQueue',
    });
  });
});

describe('event source mappings', () => {
  it('stream -> enqueuer: from the start, per-record failures, bisect, retries, failures kept on the DLQ', () => {
    const m = mappingOf('notificationEnqueuer');
    expect(m).toMatchObject({
      EventSourceArn: streamArn,
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: deadArn } },
    });
    expect(m.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(m.BatchSize).toBeLessThanOrEqual(1000);
  });

  it('stream filter passes payment inserts and changes only (not rate, key or merchant items, nor removals)', () => {
    const patterns = mappingOf('notificationEnqueuer').FilterCriteria.Filters.map((f: Json) =>
      JSON.parse(f.Pattern),
    );
    const record = (eventName: string, pk: string, sk: string) => ({
      eventName,
      dynamodb: { Keys: { pk: { S: pk }, sk: { S: sk } }, NewImage: { pk: { S: pk }, sk: { S: sk } } },
    });
    const passes = (r: unknown) => patterns.some((p: unknown) => matchesPattern(r, p));
    expect(passes(record('MODIFY', 'PAY#conekta:acct:test#6588', 'P'))).toBe(true);
    expect(passes(record('INSERT', 'PAY#conekta:acct:test#6588', 'P'))).toBe(true);
    expect(
      passes({ eventName: 'REMOVE', dynamodb: { Keys: { pk: { S: 'PAY#m#r' }, sk: { S: 'P' } } } }),
    ).toBe(false);
    expect(passes(record('MODIFY', 'RATE#fp_1#1700000000000', 'R'))).toBe(false);
    expect(passes(record('INSERT', 'KEY#fp_1', 'K'))).toBe(false);
    expect(passes(record('MODIFY', 'MERCHANT#conekta:acct:test', 'M'))).toBe(false);
  });

  it('queue -> delivery: per-message failures, batches of 10, no more pollers than reserved executions', () => {
    const m = mappingOf('notificationDelivery');
    expect(m).toMatchObject({ EventSourceArn: queueArn, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(m.BatchSize).toBeLessThanOrEqual(10);
    expect(m.ScalingConfig.MaximumConcurrency).toBeLessThanOrEqual(
      fn('notificationDelivery').ReservedConcurrentExecutions,
    );
  });
});

/** The IAM action each SDK command needs (batch forms are authorised as the single action). */
const COMMAND_ACTIONS: Record<string, string> = {
  GetItemCommand: 'dynamodb:GetItem',
  PutItemCommand: 'dynamodb:PutItem',
  UpdateItemCommand: 'dynamodb:UpdateItem',
  DeleteItemCommand: 'dynamodb:DeleteItem',
  QueryCommand: 'dynamodb:Query',
  TransactWriteItemsCommand: 'dynamodb:PutItem', // checked per Put/Update inside
  SendMessageCommand: 'sqs:SendMessage',
  SendMessageBatchCommand: 'sqs:SendMessage',
};
/** What Lambda calls with the function's role for each kind of event source mapping. */
const MAPPING_ACTIONS = {
  stream: [
    'dynamodb:DescribeStream',
    'dynamodb:GetRecords',
    'dynamodb:GetShardIterator',
    'dynamodb:ListStreams',
  ],
  sqs: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
};
const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'];

/** Exactly what each function does, by resource (the brief's least privilege, read as data). */
const EXPECTED: Record<FunctionName, { actions: string[]; resource: Json }[]> = {
  pagos: [
    {
      actions: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resource: tableArn,
    },
    { actions: ['dynamodb:Query'], resource: indexArn },
  ],
  webhooks: [
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], resource: tableArn },
  ],
  notificationEnqueuer: [
    { actions: MAPPING_ACTIONS.stream, resource: streamArn },
    { actions: ['sqs:SendMessage'], resource: queueArn },
    { actions: ['sqs:SendMessage'], resource: deadArn }, // the stream mapping's onFailure records
  ],
  notificationDelivery: [
    { actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resource: tableArn },
    { actions: [...MAPPING_ACTIONS.sqs, 'sqs:SendMessage'], resource: queueArn },
    { actions: ['sqs:SendMessage'], resource: deadArn },
  ],
};

const logGroupOf = (name: FunctionName) => `${name[0]!.toUpperCase()}${name.slice(1)}LogGroup`;

/** (action, resource) pairs a role grants, every statement being Allow. */
function grants(roleId: string): { action: string; resource: string }[] {
  const role = resources[roleId];
  expect(role?.Type).toBe('AWS::IAM::Role');
  return role.Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement).flatMap((s: Json) => {
    expect(s.Effect).toBe('Allow');
    return asArray(s.Action).flatMap((action: string) =>
      asArray(s.Resource).map((resource: Json) => ({ action, resource: JSON.stringify(resource) })),
    );
  });
}

/**
 * The SDK commands a bundle imports from the external AWS SDK: statically, or destructured from a
 * module loaded on first use (`{SendMessageBatchCommand:c}=await import("@aws-sdk/client-sqs")`).
 */
function sdkCommands(name: FunctionName): string[] {
  const code = zips.get(name)!.get(FUNCTIONS[name])!.toString('utf8');
  const imported = [...code.matchAll(/import\{([^}]*)\}from"@aws-sdk\/[a-z-]+"/g)].flatMap((m) =>
    m[1]!.split(',').map((spec) => spec.trim().split(/\s+as\s+/)[0]!),
  );
  const loaded = code.includes('import("@aws-sdk/')
    ? [...code.matchAll(/[{,](\w+Command):\w+(?=[,}])/g)].map((m) => m[1]!)
    : [];
  return [...imported, ...loaded];
}

describe('IAM: one role per function, only what it calls', () => {
  it('has no shared role: every function names its own', () => {
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = new Set<string>();
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const role = fn(name).Role['Fn::GetAtt'][0];
      expect(role).toBe(`${name[0]!.toUpperCase()}${name.slice(1)}Role`);
      roles.add(role);
      const trust = resources[role].Properties.AssumeRolePolicyDocument.Statement;
      expect(trust).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
    expect(roles.size).toBe(4);
    expect(ofType('AWS::IAM::Role')).toHaveLength(4);
  });

  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    '%s: exactly its calls, on exactly its resources',
    (name) => {
      const roleId = fn(name).Role['Fn::GetAtt'][0];
      const granted = grants(roleId);
      for (const { action, resource } of granted) {
        expect(action).not.toContain('*');
        expect(resource).not.toContain('*');
      }
      const expected = [
        ...LOG_ACTIONS.map((action) => ({
          action,
          resource: JSON.stringify({ 'Fn::GetAtt': [logGroupOf(name), 'Arn'] }),
        })),
        ...EXPECTED[name].flatMap(({ actions, resource }) =>
          actions.map((action) => ({ action, resource: JSON.stringify(resource) })),
        ),
      ];
      const key = (g: { action: string; resource: string }) => `${g.action} ${g.resource}`;
      expect(granted.map(key).sort()).toEqual(expected.map(key).sort());
    },
  );

  it.each(Object.keys(FUNCTIONS) as FunctionName[])(
    '%s: every DynamoDB and SQS action granted is one its code can send or its event source calls',
    (name) => {
      const commands = sdkCommands(name);
      const callable = new Set(commands.flatMap((c) => (COMMAND_ACTIONS[c] ? [COMMAND_ACTIONS[c]] : [])));
      const mapping = mappingOf(name as FunctionName);
      const byMapping = new Set<string>(
        mapping
          ? mapping.EventSourceArn['Fn::GetAtt'][1] === 'StreamArn'
            ? MAPPING_ACTIONS.stream
            : MAPPING_ACTIONS.sqs
          : [],
      );
      for (const { action } of grants(fn(name).Role['Fn::GetAtt'][0])) {
        if (action.startsWith('logs:')) continue;
        expect({ action, allowed: callable.has(action) || byMapping.has(action) }).toEqual({
          action,
          allowed: true,
        });
      }
      // The only operator-side calls are the CLI's; no function lists or moves dead letters.
      expect(commands).not.toContain('ChangeMessageVisibilityCommand');
    },
  );

  it('needs nothing for metrics (EMF log lines)', () => {
    expect(templateText).not.toContain('cloudwatch:PutMetricData');
  });
});

describe('functions', () => {
  it('run Node 24 on arm64 with memory, timeout and reserved concurrency set', () => {
    expect(functions()).toHaveLength(4);
    for (const f of functions()) {
      expect(f).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      expect(f.MemorySize).toBeGreaterThanOrEqual(128);
      expect(f.ReservedConcurrentExecutions).toBeGreaterThan(0);
      expect(f.LoggingConfig).toEqual({ LogFormat: 'JSON' });
      // The SDK clients' timeouts are sized from it (lib/config.ts awsClientSettings).
      expect(f.Environment.Variables.FUNCTION_TIMEOUT_MS).toBe(String(f.Timeout * 1000));
    }
    expect(fn('pagos').Timeout).toBeLessThan(30); // the HTTP API gives up at 30 s
    // One attempt (NOTIFICATION_TIMEOUT_MS, 5 s) and the re-sends fit in one invocation.
    expect(fn('notificationDelivery').Timeout).toBeGreaterThanOrEqual(15);
    expect(fn('notificationDelivery').Environment.Variables.FUNCTION_TIMEOUT_MS).toBe(
      String(fn('notificationDelivery').Timeout * 1000),
    );
  });

  it('read secrets from SSM, never from the deploying shell', () => {
    for (const f of functions()) {
      expect(f.Environment.Variables).toMatchObject({
        CONEKTA_WEBHOOK_PUBLIC_KEYS: `{{resolve:ssm:/pagos/${STAGE}/conekta-webhook-public-keys}}`,
        PAGOS_LOCAL_MODE: 'false',
        PAGOS_STAGE: STAGE,
        PAYMENTS_TABLE: `pagos-${STAGE}-payments`,
        CONEKTA_API_URL: 'https://api.conekta.io',
      });
    }
  });

  it('leave no key, secret or shell value anywhere in what is uploaded', () => {
    for (const text of [templateText, stateText]) {
      for (const decoy of Object.values(DECOYS)) expect(text).not.toContain(decoy);
      expect(text).not.toMatch(/-----BEGIN|key_(live|test)_|\b[0-9a-f]{64}\b/);
    }
  });

  it('keep their logs 30 days, and keep them when the stack goes', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual([
      'HttpApiLogGroup',
      'NotificationDeliveryLogGroup',
      'NotificationEnqueuerLogGroup',
      'PagosLogGroup',
      'WebhooksLogGroup',
    ]);
    for (const [, g] of groups) {
      expect(g.Properties.RetentionInDays).toBe(30);
      expect(g.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('HTTP API', () => {
  it('routes POST /pagos and POST /webhooks/{provider}, nothing else', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(['POST /pagos', 'POST /webhooks/{provider}']);
  });

  it('throttles every route and writes JSON access logs with route and numeric status', () => {
    const stage = resources.HttpApiStage.Properties;
    expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.DefaultRouteSettings.ThrottlingBurstLimit).toBeGreaterThan(0);
    expect(stage.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': ['HttpApiLogGroup', 'Arn'] });
    const line = stage.AccessLogSettings.Format.replace('$context.status', '502').replace(
      /\$context\.[\w.]+/g,
      'x',
    );
    expect(JSON.parse(line)).toMatchObject({ routeKey: 'x', status: 502 });
  });

  it('outputs the API URL and the webhook URL to give Conekta', () => {
    // PagosUrl and ConektaWebhookUrl are Fn::If [HasEdge, ...]: without the edge, the execute-api
    // branch (both modes: serverless-operations.test.ts).
    const url = (name: string) => {
      const value = template.Outputs[name]?.Value;
      return (value['Fn::If']?.[2] ?? value)['Fn::Join'][1];
    };
    expect(url('HttpApiUrl')).toBeDefined();
    expect(url('PagosUrl').at(-1)).toBe('/pagos');
    expect(url('ConektaWebhookUrl').at(-1)).toBe('/webhooks/conekta');
  });
});

describe('alarms', () => {
  const alarms = () =>
    new Map(ofType('AWS::CloudWatch::Alarm').map(([, a]) => [a.Properties.AlarmName, a.Properties]));
  const filters = () => ofType('AWS::Logs::MetricFilter').map(([, f]) => f.Properties);

  it('all reach the alarm topic', () => {
    const names = [...alarms().keys()].map((n) => n.replace(`pagos-${STAGE}-`, '')).sort();
    expect(names).toEqual([
      'dead-notifications',
      'late-payments',
      'notification-dead-letters',
      'pagos-5xx-rate',
      'paid-twice',
      'webhook-5xx',
      'webhook-signature-failures',
    ]);
    for (const alarm of alarms().values()) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(resources.AlarmEmailSubscription).toMatchObject({ Condition: 'HasAlarmEmail' });
  });

  it.each([
    ['dead-notifications', NotifyMetric.dead],
    ['late-payments', NotifyMetric.latePayments],
    ['paid-twice', NotifyMetric.paidTwice],
  ])('%s watches the EMF metric the code writes (%s, namespace Pagos, dimension Stage)', (alarm, metric) => {
    expect(alarms().get(`pagos-${STAGE}-${alarm}`)).toMatchObject({
      Namespace: 'Pagos',
      MetricName: metric,
      Dimensions: [{ Name: 'Stage', Value: STAGE }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('says what to do: refund one of a payment paid twice; list and redrive the dead letters', () => {
    expect(alarms().get(`pagos-${STAGE}-paid-twice`).AlarmDescription).toMatch(/^Paid twice: refund one\./);
    expect(alarms().get(`pagos-${STAGE}-notification-dead-letters`)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': ['NotificationDeadLetterQueue', 'QueueName'] } },
      ],
    });
    expect(alarms().get(`pagos-${STAGE}-dead-notifications`).AlarmDescription).toContain(
      `npm run notifications -- list --dead --stage ${STAGE}`,
    );
  });

  it('count webhook signature failures from the line the webhook handler writes', () => {
    const filter = filters().find(
      (f) => f.MetricTransformations[0].MetricName === 'WebhookSignatureFailures',
    );
    expect(filter.LogGroupName).toEqual({ Ref: 'WebhooksLogGroup' });
    expect(filter.FilterPattern).toBe('{ $.message = "webhook signature refused" }');
    expect(readFileSync('lib/http/webhook.ts', 'utf8')).toContain("warn('webhook signature refused'");
    const alarm = alarms().get(`pagos-${STAGE}-webhook-signature-failures`);
    expect(alarm).toMatchObject({ MetricName: 'WebhookSignatureFailures', Namespace: `Pagos/${STAGE}` });
  });

  it('count 5xx per route from the access logs', () => {
    const byMetric = new Map(filters().map((f) => [f.MetricTransformations[0].MetricName, f]));
    for (const name of ['PagosRequests', 'Pagos5xx', 'Webhook5xx'])
      expect(byMetric.get(name)?.LogGroupName).toEqual({ Ref: 'HttpApiLogGroup' });
    expect(byMetric.get('Pagos5xx')?.FilterPattern).toContain('"POST /pagos"');
    expect(byMetric.get('Webhook5xx')?.FilterPattern).toContain('"POST /webhooks/{provider}"');
    const rate = alarms().get(`pagos-${STAGE}-pagos-5xx-rate`);
    const metricNames = rate.Metrics.filter((m: Json) => m.MetricStat).map(
      (m: Json) => m.MetricStat.Metric.MetricName,
    );
    expect(metricNames.sort()).toEqual(['Pagos5xx', 'PagosRequests']);
    expect(alarms().get(`pagos-${STAGE}-webhook-5xx`)).toMatchObject({ MetricName: 'Webhook5xx' });
  });
});

describe('function bundles', () => {
  it.each(Object.entries(FUNCTIONS))(
    '%s is one minified .mjs and its map, with the AWS SDK left to the runtime',
    (name, file) => {
      const entries = zips.get(name)!;
      expect([...entries.keys()].sort()).toEqual([file, `${file}.map`]);
      const text = entries.get(file)!.toString('utf8');
      // Imported from the runtime's SDK, not bundled: no client code, no SDK sources in the map.
      expect(text).toMatch(/from\s*"@aws-sdk\/client-(dynamodb|sqs)"/);
      expect(text).not.toContain('DynamoDB_20120810');
      expect(text).not.toContain('AmazonSQS.SendMessage');
      const sources: string[] = JSON.parse(entries.get(`${file}.map`)!.toString('utf8')).sources;
      expect(sources.filter((s) => s.includes('@aws-sdk/') || s.includes('@smithy/'))).toEqual([]);
    },
  );
});

/** The entries of a zip file (what `serverless package` writes), from its central directory. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    if (!name.endsWith('/')) entries.set(name, method === 8 ? inflateRawSync(data) : data);
    at += 46 + skip;
  }
  return entries;
}
