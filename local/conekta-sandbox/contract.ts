import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { type OperationId, SERVED_OPERATIONS } from './operations.js';
import { loadSpec, SpecLoadError } from './spec.js';
import {
  isObject,
  type Json,
  type JsonObject,
  type OpenApiDoc,
  prepareForValidation,
  SCHEMA_REF_PREFIX,
} from './spec-normalize.js';

// CJS packages under NodeNext: TS types the default import as the module object, while at run
// time it is module.exports (the class/function itself, which also carries `.default`).
type Ajv2020Class = typeof Ajv2020Import.default;
type AddFormats = typeof addFormatsImport.default;
const interop = <T>(mod: unknown): T => (mod as { default?: T }).default ?? (mod as T);
const Ajv2020 = interop<Ajv2020Class>(Ajv2020Import);
const addFormats = interop<AddFormats>(addFormatsImport);

export const ProblemKind = {
  missing: 'missing',
  invalid: 'invalid',
  unknown: 'unknown',
  ambiguous: 'ambiguous',
} as const;
export type ProblemKind = (typeof ProblemKind)[keyof typeof ProblemKind];

/** One contract violation; `param` is Conekta's dotted path (`line_items.0.unit_price`). */
export interface Problem {
  param: string;
  kind: ProblemKind;
  message: string;
}

export interface OperationInfo {
  id: OperationId;
  method: string;
  path: string;
  requestSchema?: string | undefined;
  responses: Record<string, string>;
  queryParameters: JsonObject[];
}

const MEDIA_TYPE_RESPONSE = 'application/vnd.conekta-v2.3.0+json';
const ERROR_SCHEMA = `${SCHEMA_REF_PREFIX}error`;

const pathToParam = (base: string, instancePath: string): string =>
  [base, ...instancePath.split('/').slice(1)]
    .filter((part) => part !== '')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

const joinParam = (base: string, key: string): string => (base ? `${base}.${key}` : key);

function valueAt(root: unknown, instancePath: string): unknown {
  let current = root;
  for (const raw of instancePath.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current =
      isObject(current as Json) || Array.isArray(current)
        ? (current as Record<string, unknown>)[key]
        : undefined;
  }
  return current;
}

function schemaRefOf(content: Json | undefined, where: string): string {
  const media = isObject(content) ? (content[MEDIA_TYPE_RESPONSE] ?? content['application/json']) : undefined;
  const schema = isObject(media) ? media.schema : undefined;
  const ref = isObject(schema) ? schema.$ref : undefined;
  if (typeof ref !== 'string') throw new SpecLoadError(`${where}: expected a $ref schema`);
  return ref;
}

function readOperation(doc: OpenApiDoc, id: OperationId, method: string, path: string): OperationInfo {
  const operation = doc.paths[path]?.[method];
  if (!isObject(operation) || operation.operationId !== id) {
    throw new SpecLoadError(`Spec has no operation ${id} at ${method.toUpperCase()} ${path}`);
  }
  const responses: Record<string, string> = {};
  for (const [status, response] of Object.entries(isObject(operation.responses) ? operation.responses : {})) {
    if (isObject(response)) responses[status] = schemaRefOf(response.content, `${id} ${status}`);
  }
  const body = isObject(operation.requestBody) ? operation.requestBody : undefined;
  const parameters = Array.isArray(operation.parameters) ? operation.parameters.filter(isObject) : [];
  return {
    id,
    method,
    path,
    requestSchema: body ? schemaRefOf(body.content, `${id} request`) : undefined,
    responses,
    queryParameters: parameters.filter((parameter) => parameter.in === 'query'),
  };
}

/** Pointer of every object/array node, so Ajv's `verbose` errors can name their schema. */
function indexPointers(value: Json, pointer: string, index: WeakMap<object, string>): void {
  if (typeof value !== 'object' || value === null) return;
  index.set(value, pointer);
  const entries = Array.isArray(value)
    ? value.map((item, i) => [String(i), item] as const)
    : Object.entries(value);
  for (const [key, child] of entries) {
    indexPointers(child, `${pointer}/${escapePointer(key)}`, index);
  }
}

interface Shape {
  declaresProperties: boolean;
  open: boolean;
  properties: Map<string, string[]>;
  additional: string[];
  items: string[];
}

export interface Contract {
  operation(id: OperationId): OperationInfo;
  /** Body problems: spec schema violations plus Conekta's whitelist (unknown fields). */
  checkRequestBody(id: OperationId, body: unknown): Problem[];
  /** Coerces query strings by the operation's parameter schemas. */
  checkQuery(
    id: OperationId,
    query: URLSearchParams,
  ): { values: Record<string, unknown>; problems: Problem[] };
  /** The schema the spec declares for (operation, status); `error` for undeclared statuses. */
  responseSchema(id: OperationId, status: number): string;
  checkResponse(id: OperationId, status: number, body: unknown): Problem[];
  /** Any component schema by name, with the whitelist applied (for webhook events). */
  checkSchema(name: string, value: unknown): Problem[];
}

export function createContract(doc: OpenApiDoc): Contract {
  const validationDoc = prepareForValidation(doc);
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    inlineRefs: false,
    verbose: true,
    logger: false,
  });
  addFormats(ajv);
  // OpenAPI's int8 (redirection_time, monthly installments); ajv-formats knows int32/int64 only
  ajv.addFormat('int8', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -128 && n <= 127,
  });
  ajv.addSchema({ $id: 'conekta', components: validationDoc.components });
  const pointers = new WeakMap<object, string>();
  indexPointers(validationDoc.components, '#/components', pointers);

  const queryAjv = new Ajv2020({
    strict: false,
    allErrors: true,
    coerceTypes: true,
    useDefaults: true,
    logger: false,
  });
  addFormats(queryAjv);

  const operations = new Map<OperationId, OperationInfo>(
    SERVED_OPERATIONS.map(({ id, method, path }) => [id, readOperation(doc, id, method, path)]),
  );

  const validators = new Map<string, ValidateFunction>();
  const validator = (pointer: string): ValidateFunction => {
    let validate = validators.get(pointer);
    if (!validate) {
      // compiled lazily: only schemas that some request actually needs
      validate = ajv.getSchema(`conekta${pointer}`);
      if (!validate) throw new SpecLoadError(`Cannot compile schema ${pointer}`);
      validators.set(pointer, validate);
    }
    return validate;
  };
  const nodeAt = (pointer: string): JsonObject | undefined => {
    const node = valueAt(validationDoc, pointer.slice(1));
    return isObject(node as Json) ? (node as JsonObject) : undefined;
  };

  const shapeOf = (pointers_: string[], value: unknown): Shape => {
    const shape: Shape = {
      declaresProperties: false,
      open: false,
      properties: new Map(),
      additional: [],
      items: [],
    };
    const visit = (pointer: string, depth: number): void => {
      const node = nodeAt(pointer);
      if (!node || depth > 32) return;
      if (typeof node.$ref === 'string') visit(node.$ref, depth + 1);
      if (isObject(node.properties)) {
        shape.declaresProperties = true;
        for (const name of Object.keys(node.properties)) {
          const list = shape.properties.get(name) ?? [];
          list.push(`${pointer}/properties/${escapePointer(name)}`);
          shape.properties.set(name, list);
        }
      }
      if (node.additionalProperties === true || isObject(node.additionalProperties)) {
        shape.open = true;
        if (isObject(node.additionalProperties)) shape.additional.push(`${pointer}/additionalProperties`);
      }
      if (node.patternProperties !== undefined) shape.open = true;
      if (node.items !== undefined) shape.items.push(`${pointer}/items`);
      if (Array.isArray(node.allOf)) {
        for (let i = 0; i < node.allOf.length; i++) visit(`${pointer}/allOf/${i}`, depth + 1);
      }
      for (const key of ['oneOf', 'anyOf'] as const) {
        const branches = node[key];
        if (!Array.isArray(branches)) continue;
        const matching = branches.map((_, i) => `${pointer}/${key}/${i}`).filter((b) => validator(b)(value));
        // no branch matches: the schema errors already say so, and the allowed set is unknowable
        if (matching.length === 0) shape.open = true;
        for (const branch of matching) visit(branch, depth + 1);
      }
      if (node.if !== undefined) {
        const next = validator(`${pointer}/if`)(value) ? 'then' : 'else';
        if (node[next] !== undefined) visit(`${pointer}/${next}`, depth + 1);
      }
    };
    for (const pointer of pointers_) visit(pointer, 0);
    return shape;
  };

  /** Conekta's whitelist: object keys that no applicable schema declares. */
  const unknownFields = (schemaPointers: string[], value: unknown, param: string): Problem[] => {
    if (schemaPointers.length === 0) return [];
    if (Array.isArray(value)) {
      const { items } = shapeOf(schemaPointers, value);
      return value.flatMap((item, i) => unknownFields(items, item, joinParam(param, String(i))));
    }
    if (!isObject(value as Json)) return [];
    const shape = shapeOf(schemaPointers, value);
    const problems: Problem[] = [];
    for (const [key, child] of Object.entries(value as JsonObject)) {
      const childParam = joinParam(param, key);
      const declared = shape.properties.get(key);
      if (declared) problems.push(...unknownFields(declared, child, childParam));
      else if (shape.additional.length > 0)
        problems.push(...unknownFields(shape.additional, child, childParam));
      else if (shape.declaresProperties && !shape.open) {
        problems.push({
          param: childParam,
          kind: ProblemKind.unknown,
          message: `The "${childParam}" parameter is not allowed`,
        });
      }
    }
    return problems;
  };

  const toProblem = (error: ErrorObject, base: string): Problem => {
    if (error.keyword === 'required') {
      const param = joinParam(pathToParam(base, error.instancePath), String(error.params.missingProperty));
      return { param, kind: ProblemKind.missing, message: `The parameter "${param}" is required.` };
    }
    const param = pathToParam(base, error.instancePath);
    const ambiguous = error.keyword === 'oneOf';
    return {
      param,
      kind: ambiguous ? ProblemKind.ambiguous : ProblemKind.invalid,
      message: `The parameter "${param}" is invalid: ${error.message ?? error.keyword}.`,
    };
  };

  const declaredOverlap = (pointer: string, value: unknown): number => {
    if (!isObject(value as Json)) return 0;
    const { properties } = shapeOf([pointer], value);
    return Object.keys(value as JsonObject).filter((key) => properties.has(key)).length;
  };

  /**
   * Schema problems with failed oneOf/anyOf collapsed to their closest branch (most declared keys
   * in common, then fewest problems), so each real mistake is reported once.
   */
  const schemaProblems = (pointer: string, value: unknown, base: string): Problem[] => {
    const validate = validator(pointer);
    if (validate(value)) return [];
    const errors = validate.errors ?? [];
    const failedComposites = errors
      .filter((e) => (e.keyword === 'oneOf' && e.params.passingSchemas == null) || e.keyword === 'anyOf')
      .sort((a, b) => a.instancePath.length - b.instancePath.length);
    const covered: string[] = [];
    const isCovered = (path: string) => covered.some((c) => path === c || path.startsWith(`${c}/`));
    const problems: Problem[] = [];
    for (const composite of failedComposites) {
      if (isCovered(composite.instancePath)) continue;
      const branchesPointer = pointers.get(composite.schema as object);
      const branches = composite.schema as unknown[];
      if (!branchesPointer || !Array.isArray(branches)) continue;
      const sub = valueAt(value, composite.instancePath);
      const subBase = pathToParam(base, composite.instancePath);
      const ranked = branches
        .map((_, i) => `${branchesPointer}/${i}`)
        .map((branch) => ({
          overlap: declaredOverlap(branch, sub),
          problems: schemaProblems(branch, sub, subBase),
        }))
        .sort((a, b) => b.overlap - a.overlap || a.problems.length - b.problems.length);
      problems.push(...(ranked[0]?.problems ?? []));
      covered.push(composite.instancePath);
    }
    for (const error of errors) {
      if (error.keyword === 'if' || failedComposites.includes(error) || isCovered(error.instancePath))
        continue;
      problems.push(toProblem(error, base));
    }
    const unique = new Map(problems.map((p) => [`${p.kind}:${p.param}:${p.message}`, p]));
    return [...unique.values()];
  };

  const check = (pointer: string, value: unknown): Problem[] => [
    ...schemaProblems(pointer, value, ''),
    ...unknownFields([pointer], value, ''),
  ];

  const operation = (id: OperationId): OperationInfo => {
    const info = operations.get(id);
    if (!info) throw new SpecLoadError(`Unknown operation ${id}`);
    return info;
  };

  const queryValidators = new Map<OperationId, ValidateFunction>();
  const queryValidator = (id: OperationId): ValidateFunction => {
    const validate = queryValidators.get(id);
    if (!validate) {
      const properties: JsonObject = {};
      for (const parameter of operation(id).queryParameters) {
        if (typeof parameter.name === 'string' && isObject(parameter.schema))
          properties[parameter.name] = parameter.schema;
      }
      const compiled = queryAjv.compile({ type: 'object', properties });
      queryValidators.set(id, compiled);
      return compiled;
    }
    return validate;
  };

  const responseSchema = (id: OperationId, status: number): string =>
    operation(id).responses[String(status)] ?? ERROR_SCHEMA;

  return {
    operation,
    checkRequestBody(id, body) {
      const schema = operation(id).requestSchema;
      return schema ? check(schema, body) : [];
    },
    checkQuery(id, query) {
      const values: Record<string, unknown> = {};
      for (const [key, value] of query) if (!(key in values)) values[key] = value;
      const validate = queryValidator(id);
      if (validate(values)) return { values, problems: [] };
      return { values, problems: (validate.errors ?? []).map((error) => toProblem(error, '')) };
    },
    responseSchema,
    checkResponse(id, status, body) {
      // The legacy error docs (docs/conekta-api.md §1.6) and Conekta's mock server put the object a failed
      // request still modified (a declined order) in the error's `data`; the spec's `error` lacks
      // it, so it is checked as an order instead of being refused as an unknown field.
      if (status >= 400 && isObject(body as Json) && 'data' in (body as JsonObject)) {
        const { data, ...error } = body as JsonObject;
        const dataProblems = schemaProblems(`${SCHEMA_REF_PREFIX}order_response`, data, 'data');
        return [
          ...check(responseSchema(id, status), error),
          ...dataProblems,
          ...unknownFields([`${SCHEMA_REF_PREFIX}order_response`], data, 'data'),
        ];
      }
      return check(responseSchema(id, status), body);
    },
    checkSchema(name, value) {
      return check(`${SCHEMA_REF_PREFIX}${name}`, value);
    },
  };
}

let shared: { contract: Contract; compileMs: number } | undefined;

/** One contract per process; returns how long building it took (first call only). */
export function getContract(): { contract: Contract; compileMs: number } {
  if (!shared) {
    const started = performance.now();
    const contract = createContract(loadSpec().doc);
    shared = { contract, compileMs: performance.now() - started };
  }
  return shared;
}
