/**
 * Checks HTTP answers against docs/openapi.yaml, so every HTTP test also tests the contract:
 * `checkPagosAnswer` (POST /pagos, by the request's action and the status), `checkWebhookAnswer`
 * (POST /webhooks/{provider}) and `checkNotification` (what Pagos posts to a storefront). Each
 * throws one Error naming the JSON pointer of every violation. The document is read and its
 * schemas compiled once per process, on first use.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { parse } from 'yaml';

// CJS packages under NodeNext: at run time the default import is module.exports itself.
type Ajv2020Class = typeof Ajv2020Import.default;
type AddFormats = typeof addFormatsImport.default;
const interop = <T>(mod: unknown): T => (mod as { default?: T }).default ?? (mod as T);
const Ajv2020 = interop<Ajv2020Class>(Ajv2020Import);
const addFormats = interop<AddFormats>(addFormatsImport);

export const OPENAPI_PATH = fileURLToPath(new URL('../../docs/openapi.yaml', import.meta.url));
/** The document's id inside Ajv: `${DOC_ID}#/components/schemas/X` is a schema of it. */
export const DOC_ID = 'pagos-openapi';

type Json = Record<string, unknown>;
export type HeaderBag = Headers | Record<string, string | string[] | number | undefined>;

export type HttpAnswer = {
  status: number;
  headers: HeaderBag;
  /** Parsed JSON, or the raw text (parsed here). */
  body: unknown;
};

export type PagosExchange = HttpAnswer & {
  /** The body the test sent: its `action` chooses the answer's schema. */
  request: unknown;
};

export type CheckOptions = {
  /**
   * Also accept the API Gateway's own answers (`{"message": ...}` for 413, 429, 500). Off by
   * default: the tests run the Lambda handlers themselves, so such an answer there is a crash.
   */
  gateway?: boolean;
};

export type NotificationDelivery = {
  headers: HeaderBag;
  /** The raw body as posted (needed to verify the signature), or its parsed JSON. */
  body: unknown;
  /** When given, one `v1` of Pagos-Signature must be the HMAC of the raw body with one of them. */
  secrets?: readonly string[];
  /** When given (epoch ms), `t` must be within `toleranceSeconds` of it. */
  now?: number;
  toleranceSeconds?: number;
};

/** Ajv keywords OpenAPI adds to JSON Schema, and ours: annotations, nothing to validate. */
const ANNOTATION_KEYWORDS = ['discriminator', 'xml', 'externalDocs', 'x-pagos-source'];
/** The document's sections that hold schemas: Ajv sees them as keywords of the document's root. */
const DOCUMENT_SECTIONS = ['paths', 'webhooks', 'components'];

type HeaderRule = {
  /** Lower-case header name. */
  name: string;
  /** As the document spells it, for messages. */
  label: string;
  required: boolean;
  /** Required on Pagos's own answers even where the gateway's alternative has no such header. */
  requiredOnOwnAnswers: boolean;
  /** Required when the answer's error code is one of these. */
  requiredWithCodes: readonly string[];
  validate: ValidateFunction;
  integer: boolean;
};

type StatusRule = {
  /** Pagos's own answer; undefined where only the gateway answers with this status. */
  own: ValidateFunction | undefined;
  /** The gateway's alternative, when the document gives one. */
  gateway: ValidateFunction | undefined;
  headers: HeaderRule[];
};

type ActionRule = { answer: ValidateFunction; answerRef: string; errorCodes: ReadonlySet<string> };

type Contract = {
  document: Json;
  ajv: InstanceType<Ajv2020Class>;
  pagos: { statuses: Map<number, StatusRule>; actions: Map<string, ActionRule>; envelopeCodes: Set<string> };
  webhook: { statuses: Map<number, StatusRule> };
  notification: { body: ValidateFunction; headers: HeaderRule[] };
};

const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The value at a local JSON pointer (`#/a/b`) of the document. */
export function resolvePointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`${ref}: only local references are used in the document`);
  let node: unknown = document;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) {
      throw new Error(`${ref} does not resolve`);
    }
    node = (node as Json)[key];
  }
  return node;
}

/** Follows `$ref` objects (responses, headers, examples) to what they name. */
function deref(document: Json, node: unknown): { value: Json; pointer: string | undefined } {
  let pointer: string | undefined;
  let value = node;
  for (let hops = 0; isJson(value) && typeof value.$ref === 'string'; hops += 1) {
    if (hops > 10) throw new Error(`${pointer}: $ref loop`);
    pointer = value.$ref;
    value = resolvePointer(document, pointer);
  }
  if (!isJson(value)) throw new Error(`${pointer ?? 'a node'} is not an object`);
  return { value, pointer };
}

/** An Ajv 2020 instance that knows the document (its schemas compile by JSON pointer). */
export function openapiAjv(document: Json): InstanceType<Ajv2020Class> {
  // strict: a misspelt keyword in the document fails compilation instead of checking nothing.
  // strictRequired off: composed schemas (allOf) require properties their siblings define.
  const ajv = new Ajv2020({
    strict: true,
    strictRequired: false,
    allErrors: true,
    allowUnionTypes: true,
    multipleOfPrecision: 6,
  });
  addFormats(ajv);
  ajv.addVocabulary([...ANNOTATION_KEYWORDS, ...DOCUMENT_SECTIONS]);
  // Only the sections that hold schemas, under their own names: pointers stay the document's.
  const sections = Object.fromEntries(DOCUMENT_SECTIONS.map((key) => [key, document[key] ?? {}]));
  ajv.addSchema(sections, DOC_ID);
  return ajv;
}

/** The compiled schema at a pointer of the document (`#/components/schemas/X`). */
export function schemaAt(ajv: InstanceType<Ajv2020Class>, pointer: string): ValidateFunction {
  const validate = ajv.getSchema(`${DOC_ID}${pointer}`);
  if (!validate) throw new Error(`${pointer} is not a schema of the document`);
  return validate;
}

export function loadOpenApiDocument(path = OPENAPI_PATH): Json {
  const document: unknown = parse(readFileSync(path, 'utf8'));
  if (!isJson(document)) throw new Error(`${path} is not a YAML mapping`);
  return document;
}

function headerRules(ajv: InstanceType<Ajv2020Class>, document: Json, headers: unknown, base: string) {
  if (!isJson(headers)) return [];
  return Object.entries(headers).map(([label, node]): HeaderRule => {
    const { value, pointer } = deref(document, node);
    const schemaPointer = `${pointer ?? `${base}/${escapePointer(label)}`}/schema`;
    const schema = resolvePointer(document, schemaPointer) as Json;
    return {
      name: label.toLowerCase(),
      label,
      required: value.required === true,
      requiredOnOwnAnswers: value['x-pagos-required-on-own-answers'] === true,
      requiredWithCodes: (value['x-pagos-required-with-codes'] as string[] | undefined) ?? [],
      validate: schemaAt(ajv, schemaPointer),
      integer: schema.type === 'integer',
    };
  });
}

/** Per status: the schema of Pagos's own answer, the gateway's alternative, and the headers. */
function statusRules(ajv: InstanceType<Ajv2020Class>, document: Json, operationPointer: string) {
  const responses = resolvePointer(document, `${operationPointer}/responses`) as Json;
  const rules = new Map<number, StatusRule>();
  for (const [status, node] of Object.entries(responses)) {
    const { value, pointer } = deref(document, node);
    const base = pointer ?? `${operationPointer}/responses/${status}`;
    const schemaPointer = `${base}/content/application~1json/schema`;
    const schema = resolvePointer(document, schemaPointer) as Json;
    const branches = Array.isArray(schema.oneOf)
      ? (schema.oneOf as Json[]).map((branch, i) => ({ branch, pointer: `${schemaPointer}/oneOf/${i}` }))
      : [{ branch: schema, pointer: schemaPointer }];
    const isGateway = (branch: Json) =>
      typeof branch.$ref === 'string' &&
      (resolvePointer(document, branch.$ref) as Json)['x-pagos-source'] === 'gateway';
    const own = branches.filter(({ branch }) => !isGateway(branch));
    const gateway = branches.filter(({ branch }) => isGateway(branch));
    if (own.length > 1) throw new Error(`${schemaPointer}: expected at most one schema of Pagos's own`);
    rules.set(Number(status), {
      own: own[0] && schemaAt(ajv, own[0].pointer),
      gateway: gateway[0] && schemaAt(ajv, gateway[0].pointer),
      headers: headerRules(ajv, document, value.headers, `${base}/headers`),
    });
  }
  return rules;
}

function compileContract(): Contract {
  const document = loadOpenApiDocument();
  const ajv = openapiAjv(document);
  const pagosOperation = '#/paths/~1pagos/post';
  const operation = resolvePointer(document, pagosOperation) as Json;
  const actions = new Map<string, ActionRule>();
  for (const [action, rule] of Object.entries(operation['x-pagos-actions'] as Json)) {
    const { answer, 'error-codes': codes } = rule as { answer: string; 'error-codes': string[] };
    actions.set(action, { answer: schemaAt(ajv, answer), answerRef: answer, errorCodes: new Set(codes) });
  }
  const envelope = operation['x-pagos-envelope-error-codes'] as { codes: string[] };
  const notificationPointer = '#/webhooks/paymentStatusChanged/post';
  const notification = resolvePointer(document, notificationPointer) as Json;
  const parameters = (notification.parameters as unknown[]).map((p, i) => ({
    parameter: deref(document, p).value,
    pointer: `${notificationPointer}/parameters/${i}`,
  }));
  const notificationHeaders = parameters
    .filter(({ parameter }) => parameter.in === 'header')
    .map(({ parameter, pointer }): HeaderRule => {
      const label = String(parameter.name);
      return {
        name: label.toLowerCase(),
        label,
        required: parameter.required === true,
        requiredOnOwnAnswers: false,
        requiredWithCodes: [],
        validate: schemaAt(ajv, `${pointer}/schema`),
        integer: (parameter.schema as Json).type === 'integer',
      };
    });
  return {
    document,
    ajv,
    pagos: {
      statuses: statusRules(ajv, document, pagosOperation),
      actions,
      envelopeCodes: new Set(envelope.codes),
    },
    webhook: { statuses: statusRules(ajv, document, '#/paths/~1webhooks~1{provider}/post') },
    notification: {
      body: schemaAt(ajv, `${notificationPointer}/requestBody/content/application~1json/schema`),
      headers: notificationHeaders,
    },
  };
}

let contract: Contract | undefined;
/** The compiled document, built on first use. */
export function openapiContract(): Contract {
  contract ??= compileContract();
  return contract;
}

/** One line per Ajv error: the JSON pointer of the value, what is wrong, and the allowed values. */
export function describeErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  const lines = (errors ?? []).map((e) => {
    const at = e.instancePath || '/';
    const params = e.params as Record<string, unknown>;
    const extra =
      e.keyword === 'additionalProperties'
        ? ` ("${String(params.additionalProperty)}")`
        : e.keyword === 'enum'
          ? ` (${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
          : e.keyword === 'const'
            ? ` (${JSON.stringify(params.allowedValue)})`
            : '';
    return `${at} ${e.message}${extra}`;
  });
  return [...new Set(lines)];
}

function headerMap(headers: HeaderBag): Map<string, string> {
  const map = new Map<string, string>();
  if (headers instanceof Headers) {
    for (const [key, value] of headers as unknown as Iterable<[string, string]>)
      map.set(key.toLowerCase(), value);
    return map;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    map.set(key.toLowerCase(), Array.isArray(value) ? value.join(', ') : String(value));
  }
  return map;
}

function parsedBody(body: unknown, problems: string[]): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    problems.push(`(body) is not JSON: ${JSON.stringify(body.slice(0, 80))}`);
    return undefined;
  }
}

function checkHeaders(
  rules: readonly HeaderRule[],
  headers: Map<string, string>,
  context: { own: boolean; code: string | undefined },
  problems: string[],
) {
  for (const rule of rules) {
    const value = headers.get(rule.name);
    const dueToCode = context.code !== undefined && rule.requiredWithCodes.includes(context.code);
    if (value === undefined) {
      if (dueToCode) problems.push(`header ${rule.label} is missing (required with ${context.code})`);
      else if (rule.required || (context.own && rule.requiredOnOwnAnswers))
        problems.push(`header ${rule.label} is missing`);
      continue;
    }
    // Header values are text; the document types some as integers.
    const typed = rule.integer && /^-?\d+$/.test(value) ? Number(value) : value;
    if (!rule.validate(typed)) {
      const lines = describeErrors(rule.validate.errors).map((line) => line.replace(/^\/ /, ''));
      problems.push(...lines.map((line) => `header ${rule.label} ${JSON.stringify(value)}: ${line}`));
    }
  }
}

function checkJsonContentType(headers: Map<string, string>, problems: string[]) {
  const type = headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type))
    problems.push(`header Content-Type is ${JSON.stringify(type)}, not JSON`);
}

/** Validates one answer of an operation by status; the action rule narrows POST /pagos further. */
function checkAnswer(
  statuses: Map<number, StatusRule>,
  answer: HttpAnswer,
  options: CheckOptions,
  problems: string[],
): { body: unknown; own: boolean } | undefined {
  const rule = statuses.get(answer.status);
  if (!rule) {
    problems.push(
      `status ${answer.status} is not documented (documented: ${[...statuses.keys()].join(', ')})`,
    );
    return undefined;
  }
  const headers = headerMap(answer.headers);
  checkJsonContentType(headers, problems);
  const body = parsedBody(answer.body, problems);
  if (body === undefined && typeof answer.body === 'string') return undefined;
  if (options.gateway && rule.gateway?.(body)) return { body, own: false };
  if (!rule.own) {
    problems.push(
      `status ${answer.status} is only the API Gateway's answer (pass { gateway: true } to allow it)`,
    );
    return undefined;
  }
  if (rule.gateway?.(body) && !rule.own(body)) {
    // Locally no gateway runs: such an answer is the test server's stand-in for a crash.
    problems.push(
      `(body) ${JSON.stringify(body)} is the API Gateway's own answer, not Pagos's (pass { gateway: true } to allow it)`,
    );
    return undefined;
  }
  if (!rule.own(body)) problems.push(...describeErrors(rule.own.errors));
  const code = isJson(body) && isJson(body.error) ? body.error.code : undefined;
  const codeText = typeof code === 'string' ? code : undefined;
  checkHeaders(rule.headers, headers, { own: true, code: codeText }, problems);
  const documented = new Set(rule.headers.map((h) => h.name));
  if (headers.has('retry-after') && !documented.has('retry-after')) {
    problems.push(`header Retry-After is not documented for status ${answer.status}`);
  }
  return { body, own: true };
}

function fail(what: string, problems: readonly string[]): never {
  throw new Error(`${what} does not match docs/openapi.yaml:\n${problems.map((p) => `  ${p}`).join('\n')}`);
}

/** The action a request names, when it is one the document describes. */
function actionOf(request: unknown, actions: Map<string, ActionRule>): string | undefined {
  const action = isJson(request) ? request.action : undefined;
  return typeof action === 'string' && actions.has(action) ? action : undefined;
}

/**
 * Checks an answer of POST /pagos: the status is documented, the body is that status's schema
 * (the action's answer for 200), the error code is one the request's action can answer, and the
 * headers are as documented (X-Request-Id, Cache-Control, Retry-After where due).
 */
export function checkPagosAnswer(exchange: PagosExchange, options: CheckOptions = {}): void {
  const { pagos } = openapiContract();
  const action = actionOf(exchange.request, pagos.actions);
  const what = `POST /pagos ${action ? `action "${action}"` : '(no supported action)'} answered ${exchange.status}`;
  const problems: string[] = [];
  const checked = checkAnswer(pagos.statuses, exchange, options, problems);
  if (checked?.own) {
    const body = checked.body;
    if (exchange.status === 200) {
      const rule = action ? pagos.actions.get(action) : undefined;
      if (!rule) problems.push('(status) 200 answers only a request with a supported action');
      else if (!rule.answer(body))
        problems.push(...describeErrors(rule.answer.errors).map((line) => `${line} [${rule.answerRef}]`));
    } else {
      const code = isJson(body) && isJson(body.error) ? body.error.code : undefined;
      const codes = action ? pagos.actions.get(action)!.errorCodes : pagos.envelopeCodes;
      if (typeof code === 'string' && !codes.has(code)) {
        problems.push(
          `/error/code "${code}" is not one ${action ? `action "${action}"` : 'a request without a supported action'} can answer`,
        );
      }
    }
  }
  if (problems.length > 0) fail(what, problems);
}

/** Checks an answer of POST /webhooks/{provider}: status, body and headers as documented. */
export function checkWebhookAnswer(answer: HttpAnswer, options: CheckOptions = {}): void {
  const problems: string[] = [];
  checkAnswer(openapiContract().webhook.statuses, answer, options, problems);
  if (problems.length > 0) fail(`POST /webhooks/{provider} answered ${answer.status}`, problems);
}

/** The parts of a Pagos-Signature header: `t` and every `v1`. */
function signatureParts(header: string): { t: string | undefined; v1: string[] } {
  const pairs = header.split(',').map((part) => part.trim().split('='));
  return {
    t: pairs.find(([key]) => key === 't')?.[1],
    v1: pairs.filter(([key]) => key === 'v1').map(([, value]) => value ?? ''),
  };
}

/**
 * Checks a notification as a storefront receives it: the documented headers (Pagos-Signature,
 * Pagos-Notification-Id equal to the body's id, Pagos-Attempt), the JSON payload, and, when
 * `secrets` are given, that the signature verifies.
 */
export function checkNotification(delivery: NotificationDelivery): void {
  const { notification } = openapiContract();
  const problems: string[] = [];
  const headers = headerMap(delivery.headers);
  checkJsonContentType(headers, problems);
  checkHeaders(notification.headers, headers, { own: true, code: undefined }, problems);
  const raw = typeof delivery.body === 'string' ? delivery.body : undefined;
  const body = parsedBody(delivery.body, problems);
  if (body !== undefined && !notification.body(body))
    problems.push(...describeErrors(notification.body.errors));
  // The document says it in words: JSON Schema could only say it with a oneOf of nine pairs.
  if (isJson(body) && typeof body.status === 'string' && body.type !== `payment.${body.status}`) {
    problems.push(
      `/type ${JSON.stringify(body.type)} is not "payment." followed by /status ${JSON.stringify(body.status)}`,
    );
  }
  const id = isJson(body) ? body.id : undefined;
  const headerId = headers.get('pagos-notification-id');
  if (headerId !== undefined && id !== undefined && headerId !== id) {
    problems.push(`header Pagos-Notification-Id ${headerId} is not the body's /id ${String(id)}`);
  }
  const signature = headers.get('pagos-signature');
  if (signature !== undefined && (delivery.secrets || delivery.now !== undefined)) {
    const { t, v1 } = signatureParts(signature);
    if (delivery.now !== undefined && t !== undefined) {
      const skew = Math.abs(delivery.now / 1000 - Number(t));
      if (skew > (delivery.toleranceSeconds ?? 300))
        problems.push(`header Pagos-Signature t=${t} is ${Math.round(skew)} s off`);
    }
    if (delivery.secrets) {
      if (raw === undefined) problems.push('(body) must be the raw text to verify Pagos-Signature');
      else {
        const matches = delivery.secrets.some((secret) => {
          const expected = createHmac('sha256', secret).update(`${t}.`).update(raw, 'utf8').digest();
          return v1.some(
            (hex) => /^[0-9a-f]{64}$/.test(hex) && timingSafeEqual(Buffer.from(hex, 'hex'), expected),
          );
        });
        if (!matches)
          problems.push('header Pagos-Signature has no v1 that signs this body with the given secrets');
      }
    }
  }
  if (problems.length > 0) fail('The storefront notification', problems);
}
