/**
 * What `serverless deploy --stage prod` would ship, checked before anyone deploys it:
 * `serverless package` runs offline (no AWS credentials, a clean environment holding decoy
 * secrets) and the CloudFormation template and function zips are read back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';

const STAGE = 'prod';
const FUNCTIONS = {
  pagos: 'functions/pagos.mjs',
  conektaWebhook: 'functions/conekta-webhook.mjs',
  notificationSweeper: 'functions/notification-sweeper.mjs',
} as const;
const BUNDLE_BUDGET_BYTES = 100 * 1024;
// Values a developer's shell may hold; none may reach what is deployed.
const DECOYS = {
  CONEKTA_WEBHOOK_PUBLIC_KEYS: '-----BEGIN PUBLIC KEY-----\nDECOYPEMDECOYPEM\n-----END PUBLIC KEY-----',
  NOTIFICATION_SIGNING_SECRET: 'decoy-signing-secret-0123456789',
  PAYMENTS_TABLE: 'decoy-local-table',
  CONEKTA_API_URL: 'http://decoy.invalid:4010',
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

describe('payments table', () => {
  const table = () => resources.PaymentsTable;

  it('survives `serverless remove` and replacements', () => {
    expect(table().DeletionPolicy).toBe('Retain');
    expect(table().UpdateReplacePolicy).toBe('Retain');
    expect(table().Properties.DeletionProtectionEnabled).toBe(true);
  });

  it('is on demand, with point-in-time recovery and server-side encryption', () => {
    const p = table().Properties;
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toMatchObject({ SSEEnabled: true });
    expect(p.GlobalSecondaryIndexes.map((g: Json) => g.IndexName)).toEqual(['notify-queue']);
  });

  it('expires only webhook receipts: expires_at, written nowhere else in lib/store', () => {
    expect(table().Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expires_at',
      Enabled: true,
    });
    const writers = readdirSync('lib/store')
      .filter((file) => readFileSync(join('lib/store', file), 'utf8').includes('expires_at'))
      .map((file) => [file, readFileSync(join('lib/store', file), 'utf8').split('expires_at').length - 1]);
    expect(writers).toEqual([['reconcile.ts', 1]]);
  });
});

describe('IAM', () => {
  const statements = (): Json[] =>
    [
      ...ofType('AWS::IAM::Role'),
      ...ofType('AWS::IAM::Policy'),
      ...ofType('AWS::IAM::ManagedPolicy'),
    ].flatMap(([, r]) => [
      ...(r.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement),
      ...(r.Properties.PolicyDocument?.Statement ?? []),
    ]);

  it('grants no wildcard action and no wildcard resource', () => {
    for (const s of statements()) {
      for (const action of asArray(s.Action)) expect(action).not.toContain('*');
      for (const resource of asArray(s.Resource)) {
        expect(resource).not.toBe('*');
        // The one wildcard allowed: the framework's own log streams (names unknowable in advance).
        if (JSON.stringify(resource).includes('*'))
          expect(resource['Fn::Sub']).toMatch(
            /^arn:\$\{AWS::Partition\}:logs:.*:log-group:\/aws\/lambda\/pagos-prod\*/,
          );
      }
    }
  });

  it('allows exactly the DynamoDB calls lib/store makes, on the table and its index only', () => {
    const dynamo = statements().filter((s) =>
      asArray(s.Action).some((a: string) => a.startsWith('dynamodb:')),
    );
    const actions = dynamo.flatMap((s) => asArray(s.Action)).sort();
    expect(actions).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    const tableArn = { 'Fn::GetAtt': ['PaymentsTable', 'Arn'] };
    const indexArn = { 'Fn::Join': ['/', [tableArn, 'index', 'notify-queue']] };
    for (const s of dynamo) {
      expect(s.Effect).toBe('Allow');
      expect(asArray(s.Action).includes('dynamodb:Query') ? [indexArn] : [tableArn]).toEqual(
        asArray(s.Resource),
      );
    }
  });

  it('needs nothing for metrics (EMF log lines)', () => {
    expect(templateText).not.toContain('cloudwatch:PutMetricData');
  });
});

describe('functions', () => {
  it('run Node 24 on arm64 with memory, timeout and reserved concurrency set', () => {
    expect(functions()).toHaveLength(3);
    for (const f of functions()) {
      expect(f).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
      expect(f.MemorySize).toBeGreaterThanOrEqual(128);
      expect(f.ReservedConcurrentExecutions).toBeGreaterThan(0);
      expect(f.LoggingConfig).toEqual({ LogFormat: 'JSON' });
    }
    const pagos = functions().find((f) => f.FunctionName === `pagos-${STAGE}-pagos`);
    expect(pagos.Timeout).toBeLessThan(30); // the HTTP API gives up at 30 s
  });

  it('read secrets from SSM, never from the deploying shell', () => {
    for (const f of functions()) {
      expect(f.Environment.Variables).toMatchObject({
        CONEKTA_WEBHOOK_PUBLIC_KEYS: `{{resolve:ssm:/pagos/${STAGE}/conekta-webhook-public-keys}}`,
        NOTIFICATION_SIGNING_SECRET: `{{resolve:ssm:/pagos/${STAGE}/notification-signing-secret}}`,
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

  it('keep their logs 30 days', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups.map(([id]) => id).sort()).toEqual([
      'ConektaWebhookLogGroup',
      'HttpApiLogGroup',
      'NotificationSweeperLogGroup',
      'PagosLogGroup',
    ]);
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(30);
  });
});

describe('HTTP API', () => {
  it('routes POST /pagos and POST /webhooks/conekta, nothing else', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(['POST /pagos', 'POST /webhooks/conekta']);
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
    const url = (name: string) => template.Outputs[name]?.Value['Fn::Join'][1];
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
      'notification-sweeper-errors',
      'pagos-5xx-rate',
      'webhook-5xx',
      'webhook-signature-failures',
    ]);
    for (const alarm of alarms().values()) expect(alarm.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    expect(resources.AlarmEmailSubscription).toMatchObject({ Condition: 'HasAlarmEmail' });
  });

  it('count webhook signature failures from the line the webhook handler writes', () => {
    const filter = filters().find(
      (f) => f.MetricTransformations[0].MetricName === 'WebhookSignatureFailures',
    );
    expect(filter.LogGroupName).toEqual({ Ref: 'ConektaWebhookLogGroup' });
    expect(filter.FilterPattern).toBe('{ $.message = "webhook signature refused" }');
    expect(readFileSync('lib/http/conekta-webhook.ts', 'utf8')).toContain("warn('webhook signature refused'");
    const alarm = alarms().get(`pagos-${STAGE}-webhook-signature-failures`);
    expect(alarm).toMatchObject({ MetricName: 'WebhookSignatureFailures', Namespace: `Pagos/${STAGE}` });
  });

  it('count 5xx per route from the access logs', () => {
    const byMetric = new Map(filters().map((f) => [f.MetricTransformations[0].MetricName, f]));
    for (const name of ['PagosRequests', 'Pagos5xx', 'Webhook5xx'])
      expect(byMetric.get(name)?.LogGroupName).toEqual({ Ref: 'HttpApiLogGroup' });
    expect(byMetric.get('Pagos5xx')?.FilterPattern).toContain('"POST /pagos"');
    expect(byMetric.get('Webhook5xx')?.FilterPattern).toContain('"POST /webhooks/conekta"');
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
    '%s is one minified .mjs and its map, with the AWS SDK left out',
    (name, file) => {
      const entries = zips.get(name)!;
      expect([...entries.keys()].sort()).toEqual([file, `${file}.map`]);
      const code = entries.get(file)!;
      expect(code.length).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      const text = code.toString('utf8');
      // Imported from the runtime's SDK, not bundled: no client code, no SDK sources in the map.
      expect(text).toMatch(/from\s*"@aws-sdk\/client-dynamodb"/);
      expect(text).not.toContain('DynamoDB_20120810');
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
