/**
 * Issue 19 and 14 in the template: the operator's dashboard, and the optional CloudFront + WAF
 * edge (off by default; on, the default execute-api endpoint is disabled, and CloudFront's secret
 * header tells the functions a request came through it, so nobody goes around it).
 * `serverless package` runs offline, as in serverless-template.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON is read field by field
type Json = any;
const dirs: string[] = [];

async function packaged(params: string[] = []): Promise<Json> {
  const dir = mkdtempSync(join(tmpdir(), 'pagos-ops-'));
  dirs.push(dir);
  await promisify(execFile)(
    'node_modules/.bin/serverless',
    ['package', '--stage', 'prod', '--package', dir, ...params.map((p) => `--param=${p}`)],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PAGOS_ESBUILD_WORK_FOLDER: `.esbuild-ops-${dirs.length}`,
      },
      timeout: 90_000,
    },
  );
  return JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
}

let plain: Json;
let edged: Json;
beforeAll(async () => {
  // One after the other: both runs write the service's own .serverless folder (serverless-esbuild
  // copies its artifacts there), so two at once can hand one run the other's template.
  plain = await packaged();
  edged = await packaged([
    'edge=cloudfront-waf',
    'edgeRatePer5Minutes=300',
    'apiDomainName=api.pagos.example.com',
    'apiCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/regional',
    'edgeCertificateArn=arn:aws:acm:us-east-1:123456789012:certificate/edge',
  ]);
}, 180_000);
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Evaluates the one kind of condition the template uses: Fn::Equals of two strings. */
const holds = (template: Json, name: string) => {
  const [a, b] = template.Conditions[name]['Fn::Equals'];
  return a === b;
};
/** A value as CloudFormation would take it: the chosen branch of an Fn::If, else itself. */
const chosen = (template: Json, value: Json): Json => {
  if (!value?.['Fn::If']) return value;
  const [condition, yes, no] = value['Fn::If'];
  return holds(template, condition) ? yes : no;
};
const functionEnv = (template: Json, name: string) =>
  template.Resources[`${name[0]!.toUpperCase()}${name.slice(1)}LambdaFunction`].Properties.Environment
    .Variables;

describe('the dashboard', () => {
  const body = (template: Json) => {
    const [text] = template.Resources.Dashboard.Properties.DashboardBody['Fn::Sub'];
    return { text: text as string, json: JSON.parse((text as string).replace(/\$\{[^}]+\}/g, 'x')) };
  };

  it('is valid JSON once CloudFormation substitutes it, with a widget per thing an operator watches', () => {
    const { json } = body(plain);
    const titles = json.widgets.map((w: Json) => w.properties.title);
    expect(titles).toEqual([
      'Payments created and replayed',
      'Conekta errors by status',
      'Webhook outcomes',
      'Notification backlog and dead letters',
      'Latency p50 / p99 per function (ms)',
      'Throttles and errors',
    ]);
  });

  it('names metrics the code emits and functions the template has', () => {
    const { text } = body(plain);
    for (const metric of [
      'PaymentsCreated',
      'CreatesReplayed',
      'ConektaErrors',
      'WebhooksAccepted',
      'WebhooksRejected',
      'WebhooksVerified',
      'DeadNotifications',
      'LatePayments',
      'PaidTwice',
      'RateLimited',
    ]) {
      expect(text).toContain(metric);
    }
    const functions = Object.keys(plain.Resources).filter(
      (k) => plain.Resources[k].Type === 'AWS::Lambda::Function',
    );
    const names = functions.map((k) => plain.Resources[k].Properties.FunctionName as string);
    for (const suffix of ['pagos', 'webhooks', 'notificationEnqueuer', 'notificationDelivery']) {
      expect(text).toContain(`\${Prefix}-${suffix}`);
      expect(names).toContain(`pagos-prod-${suffix}`);
    }
    const vars = plain.Resources.Dashboard.Properties.DashboardBody['Fn::Sub'][1];
    expect(vars).toMatchObject({ Stage: 'prod', Prefix: 'pagos-prod' });
    expect(plain.Outputs.DashboardUrl).toBeDefined();
  });
});

describe('the optional edge', () => {
  const EDGE = ['ApiDomainName', 'ApiDomainMapping', 'EdgeWebAcl', 'EdgeDistribution'];

  it('is off by default: its resources exist only under a condition that does not hold, execute-api stays on', () => {
    expect(holds(plain, 'HasEdge')).toBe(false);
    for (const name of EDGE) expect(plain.Resources[name].Condition).toBe('HasEdge');
    expect(plain.Resources.HttpApi.Properties.DisableExecuteApiEndpoint).toEqual({
      'Fn::If': ['HasEdge', true, false],
    });
    expect(plain.Outputs.EdgeUrl.Condition).toBe('HasEdge');
  });

  it('on: a WAF rate-based rule per client address in front of CloudFront on the API’s own domain', () => {
    expect(holds(edged, 'HasEdge')).toBe(true);
    const acl = edged.Resources.EdgeWebAcl.Properties;
    expect(acl.Scope).toBe('CLOUDFRONT');
    expect(acl.Rules[0].Statement.RateBasedStatement).toEqual({ Limit: '300', AggregateKeyType: 'IP' });
    expect(acl.Rules[0].Action).toEqual({ Block: {} });
    const cdn = edged.Resources.EdgeDistribution.Properties.DistributionConfig;
    expect(cdn.WebACLId).toEqual({ 'Fn::GetAtt': ['EdgeWebAcl', 'Arn'] });
    expect(cdn.Aliases).toEqual(['api.pagos.example.com']);
    expect(cdn.Origins[0].DomainName).toEqual({ 'Fn::GetAtt': ['ApiDomainName', 'RegionalDomainName'] });
    expect(cdn.DefaultCacheBehavior.AllowedMethods).toContain('POST');
    expect(edged.Resources.ApiDomainMapping.Properties.ApiId).toEqual({ Ref: 'HttpApi' });
  });
});

describe('the edge and the functions', () => {
  // The UUID part of the stack id: arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>.
  const STACK_UUID = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };
  const origin = () => edged.Resources.EdgeDistribution.Properties.DistributionConfig.Origins[0];

  it("forwards the viewer's Host and CloudFront's headers to the API (AllViewerAndCloudFrontHeaders-2022-06)", () => {
    const behavior = edged.Resources.EdgeDistribution.Properties.DistributionConfig.DefaultCacheBehavior;
    // Host = apiDomainName: the custom domain's mapping, and the name its certificate was issued for.
    expect(behavior.OriginRequestPolicyId).toBe('33f36d7e-f396-46d9-90e0-52428a34d9dc');
    expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // CachingDisabled
  });

  it('CloudFront sends X-Pagos-Edge with the very value both HTTP functions expect', () => {
    expect(origin().OriginCustomHeaders).toEqual([{ HeaderName: 'X-Pagos-Edge', HeaderValue: STACK_UUID }]);
    for (const name of ['pagos', 'webhooks']) {
      const env = functionEnv(edged, name);
      expect(env.EDGE_ORIGIN_SECRET).toEqual({ 'Fn::If': ['HasEdge', STACK_UUID, ''] });
      expect(chosen(edged, env.EDGE_ORIGIN_SECRET)).toEqual(origin().OriginCustomHeaders[0].HeaderValue);
      expect(chosen(edged, env.API_DOMAIN_NAME)).toBe('api.pagos.example.com');
    }
  });

  it('off: the HTTP functions get an empty secret (nothing checked); the others get none at all', () => {
    for (const name of ['pagos', 'webhooks']) {
      const env = functionEnv(plain, name);
      expect(chosen(plain, env.EDGE_ORIGIN_SECRET)).toBe('');
      expect(chosen(plain, env.API_DOMAIN_NAME)).toBe('');
    }
    for (const template of [plain, edged])
      for (const name of ['notificationEnqueuer', 'notificationDelivery']) {
        expect(functionEnv(template, name).EDGE_ORIGIN_SECRET).toBeUndefined();
        expect(functionEnv(template, name).API_DOMAIN_NAME).toBeUndefined();
      }
  });

  it('the stack outputs name the addresses that answer: apiDomainName with the edge, execute-api without', () => {
    expect(chosen(edged, edged.Outputs.PagosUrl.Value)).toBe('https://api.pagos.example.com/pagos');
    expect(chosen(edged, edged.Outputs.ConektaWebhookUrl.Value)).toBe(
      'https://api.pagos.example.com/webhooks/conekta',
    );
    expect(edged.Outputs.EdgeUrl.Value).toBe('https://api.pagos.example.com');
    const executeApi = (path: string) => ({
      'Fn::Join': [
        '',
        [
          'https://',
          { Ref: 'HttpApi' },
          '.execute-api.',
          { Ref: 'AWS::Region' },
          '.',
          { Ref: 'AWS::URLSuffix' },
          path,
        ],
      ],
    });
    expect(chosen(plain, plain.Outputs.PagosUrl.Value)).toEqual(executeApi('/pagos'));
    expect(chosen(plain, plain.Outputs.ConektaWebhookUrl.Value)).toEqual(executeApi('/webhooks/conekta'));
  });
});
