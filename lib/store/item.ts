/** Hand-written DynamoDB attribute mapping: explicit, tiny, and no marshalling library to bundle. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

export const str = (value: string): AttributeValue => ({ S: value });
export const num = (value: number): AttributeValue => ({ N: String(value) });
export const bool = (value: boolean): AttributeValue => ({ BOOL: value });
export const strOrNull = (value: string | null): AttributeValue =>
  value === null ? { NULL: true } : { S: value };

/** Only the attributes that have a value: DynamoDB has no `undefined`. */
export function compact(entries: Record<string, AttributeValue | undefined>): Item {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined)) as Item;
}

export const readStr = (item: Item, key: string): string | undefined => item[key]?.S;
export const readNum = (item: Item, key: string): number | undefined => {
  const n = item[key]?.N;
  return n === undefined ? undefined : Number(n);
};
export const readBool = (item: Item, key: string): boolean | undefined => item[key]?.BOOL;
export const readStrOrNull = (item: Item, key: string): string | null | undefined =>
  item[key]?.NULL ? null : item[key]?.S;

export function isConditionFailure(error: unknown): error is Error & { Item?: Item } {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
