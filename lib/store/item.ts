/** Hand-written DynamoDB attribute mapping: explicit, tiny, and no marshalling library to bundle. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from './table.js';

export type { Item } from './table.js';

export const str = (value: string): AttributeValue => ({ S: value });
export const num = (value: number): AttributeValue => ({ N: String(value) });
export const bool = (value: boolean): AttributeValue => ({ BOOL: value });
export const strOrNull = (value: string | null): AttributeValue =>
  value === null ? { NULL: true } : { S: value };
export const strMap = (value: Record<string, string>): AttributeValue => ({
  M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, str(v)])),
});

// node:zlib takes ~3 ms to import (Node 24): loaded at the first compressed value, not at init.
let zlib: typeof import('node:zlib') | undefined;
const zlibModule = () => {
  zlib ??= process.getBuiltinModule('node:zlib');
  return zlib;
};

/**
 * A long text stored deflated, as binary: a Conekta order's JSON shrinks to ~45%, and every
 * write, stream image and read of the item carries (and DynamoDB bills) that many fewer bytes.
 */
export const deflatedText = (text: string): AttributeValue => ({ B: zlibModule().deflateRawSync(text) });

/**
 * The text of `deflatedText`, or a plain string stored before it. Lambda's stream events carry
 * binary as base64 text; the SDK gives bytes.
 */
export const readDeflatedText = (item: Item, key: string): string | undefined => {
  const bytes: Uint8Array | string | undefined = item[key]?.B;
  if (bytes === undefined) return readStr(item, key);
  const raw = typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : bytes;
  return zlibModule().inflateRawSync(raw).toString('utf8');
};

/** Only the attributes that have a value: DynamoDB has no `undefined`. */
export function compact(entries: Record<string, AttributeValue | undefined>): Item {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Item;
}

export const optional = <T>(value: T | undefined, encode: (v: T) => AttributeValue) =>
  value === undefined ? undefined : encode(value);

export const readStr = (item: Item, key: string): string | undefined => item[key]?.S;
export const readNum = (item: Item, key: string): number | undefined => {
  const n = item[key]?.N;
  return n === undefined ? undefined : Number(n);
};
export const readBool = (item: Item, key: string): boolean | undefined => item[key]?.BOOL;
export const readStrOrNull = (item: Item, key: string): string | null | undefined =>
  item[key]?.NULL ? null : item[key]?.S;
export const readStrMap = (item: Item, key: string): Record<string, string> | undefined => {
  const m = item[key]?.M;
  if (!m) return undefined;
  return Object.fromEntries(Object.entries(m).flatMap(([k, v]) => (v.S === undefined ? [] : [[k, v.S]])));
};

/** A T whose optional fields may be given as undefined (as readers of stored items produce them). */
export type Loose<T> = { [K in keyof T]: T[K] | undefined };

/** Drops keys whose value is undefined, so records compare equal however they were built. */
export function defined<T extends object>(value: Loose<T>): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
