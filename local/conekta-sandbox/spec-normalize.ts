// Pure passes over the parsed Conekta OpenAPI document. The copied spec stays untouched on disk;
// everything here works on plain JSON values and returns new ones.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface OpenApiDoc extends JsonObject {
  paths: { [path: string]: JsonObject };
  components: { schemas: { [name: string]: JsonObject } } & JsonObject;
}

export const SCHEMA_REF_PREFIX = '#/components/schemas/';

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// Keys whose values are data (examples) or name maps (a property called "nullable" is not a flag)
const LITERAL_KEYS = new Set(['example', 'examples', 'default', 'enum', 'const']);
const NAME_MAP_KEYS = new Set(['properties', 'patternProperties', 'mapping']);

/** Rebuilds `value` bottom-up, letting `fix` rewrite every schema-like object node. */
function mapObjects(value: Json, fix: (node: JsonObject) => JsonObject, parentKey = ''): Json {
  if (Array.isArray(value)) return value.map((item) => mapObjects(item, fix));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = LITERAL_KEYS.has(key) && !NAME_MAP_KEYS.has(parentKey) ? child : mapObjects(child, fix, key);
  }
  return NAME_MAP_KEYS.has(parentKey) ? out : fix(out);
}

/** Quirk 1: `mapping: {cash_payment: payment_method_cash}` names schemas bare; tools want refs. */
export function fixDiscriminatorMapping(node: JsonObject): JsonObject {
  const discriminator = node.discriminator;
  if (!isObject(discriminator) || !isObject(discriminator.mapping)) return node;
  const mapping: JsonObject = {};
  for (const [key, target] of Object.entries(discriminator.mapping)) {
    mapping[key] = typeof target === 'string' && !target.includes('/') ? SCHEMA_REF_PREFIX + target : target;
  }
  return { ...node, discriminator: { ...discriminator, mapping } };
}

/** Quirk 2a: OpenAPI 3.0 boolean `exclusiveMinimum: true` becomes the 2020-12 numeric form. */
export function fixExclusiveMinimum(node: JsonObject): JsonObject {
  if (typeof node.exclusiveMinimum !== 'boolean') return node;
  const { exclusiveMinimum, minimum, ...rest } = node;
  if (!exclusiveMinimum) return minimum === undefined ? rest : { ...rest, minimum };
  return typeof minimum === 'number' ? { ...rest, exclusiveMinimum: minimum } : rest;
}

/**
 * Quirk 2b: `nullable: true` means nothing in 2020-12. `type: X` becomes `[X, "null"]` and an
 * enum gains null. Without `type` the schema already accepts null, so only the flag goes.
 */
export function fixNullable(node: JsonObject): JsonObject {
  if (!('nullable' in node)) return node;
  const { nullable, ...rest } = node;
  if (nullable !== true) return rest;
  const out: JsonObject = { ...rest };
  if (typeof rest.type === 'string') out.type = [rest.type, 'null'];
  else if (Array.isArray(rest.type) && !rest.type.includes('null')) out.type = [...rest.type, 'null'];
  if (Array.isArray(rest.enum) && !rest.enum.includes(null)) out.enum = [...rest.enum, null];
  return out;
}

/** The three documented fixes; the result loads in openapi-typescript and compiles in Ajv 2020. */
export function normalizeSpec(doc: OpenApiDoc): OpenApiDoc {
  return mapObjects(doc, (node) =>
    fixNullable(fixExclusiveMinimum(fixDiscriminatorMapping(node))),
  ) as OpenApiDoc;
}

/**
 * Validation only: Ajv ignores `discriminator` (and rejects `mapping`), and the mapped branches
 * are too loose for plain `oneOf` (a card payment also matches the cash branch). So the oneOf
 * becomes what the discriminator means: dispatch on the property value.
 */
export function discriminatorToConditionals(node: JsonObject): JsonObject {
  const discriminator = node.discriminator;
  if (!isObject(discriminator) || !isObject(discriminator.mapping) || !Array.isArray(node.oneOf)) return node;
  const property = String(discriminator.propertyName);
  const entries = Object.entries(discriminator.mapping);
  const { oneOf: _oneOf, discriminator: _discriminator, propertyName: _propertyName, ...rest } = node;
  return {
    ...rest,
    type: 'object',
    required: [property],
    properties: { [property]: { enum: entries.map(([key]) => key) } },
    allOf: entries.map(([key, target]) => ({
      if: { required: [property], properties: { [property]: { const: key } } },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a promise
      then: { $ref: String(target) },
    })),
  };
}

export function prepareForValidation(doc: OpenApiDoc): OpenApiDoc {
  return mapObjects(doc, discriminatorToConditionals) as OpenApiDoc;
}

export interface OperationRef {
  path: string;
  method: string;
}

/** Every `#/components/schemas/x` reachable from `value`, following refs transitively. */
export function collectSchemaRefs(doc: OpenApiDoc, roots: Json[]): Set<string> {
  const found = new Set<string>();
  const visit = (value: Json): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if ((key === '$ref' || key === 'mapping') && (typeof child === 'string' || isObject(child))) {
        const targets = typeof child === 'string' ? [child] : Object.values(child);
        for (const target of targets) {
          if (typeof target !== 'string' || !target.startsWith(SCHEMA_REF_PREFIX)) continue;
          const name = target.slice(SCHEMA_REF_PREFIX.length);
          if (found.has(name)) continue;
          found.add(name);
          const schema = doc.components.schemas[name];
          if (schema) visit(schema);
        }
      } else visit(child);
    }
  };
  roots.forEach(visit);
  return found;
}

const ANNOTATIONS = new Set(['example', 'examples']);

function stripExamples(value: Json, parentKey = ''): Json {
  if (Array.isArray(value)) return value.map((item) => stripExamples(item));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    // `properties.example` would be a field called "example", not an annotation
    if (ANNOTATIONS.has(key) && parentKey !== 'properties') continue;
    out[key] = stripExamples(child, key);
  }
  return out;
}

/** Keeps only the given operations plus the schemas they reach (and `extraSchemas`), no examples. */
export function pruneSpec(
  doc: OpenApiDoc,
  operations: OperationRef[],
  extraSchemas: string[] = [],
): OpenApiDoc {
  const paths: { [path: string]: JsonObject } = {};
  for (const { path, method } of operations) {
    const item = doc.paths[path];
    const operation = item?.[method];
    if (!item || !isObject(operation))
      throw new Error(`Operation ${method.toUpperCase()} ${path} is not in the spec`);
    const kept: JsonObject = paths[path] ?? {};
    if (Array.isArray(item.parameters)) kept.parameters = item.parameters;
    kept[method] = operation;
    paths[path] = kept;
  }
  const roots: Json[] = [paths, ...extraSchemas.map((name) => ({ $ref: SCHEMA_REF_PREFIX + name }))];
  const names = [...collectSchemaRefs(doc, roots)].sort();
  const schemas: { [name: string]: JsonObject } = {};
  for (const name of names) {
    const schema = doc.components.schemas[name];
    if (schema) schemas[name] = schema;
  }
  const { paths: _paths, components, ...rest } = doc;
  const pruned = { ...rest, paths, components: { ...components, schemas } } as OpenApiDoc;
  return stripExamples(pruned) as OpenApiDoc;
}
