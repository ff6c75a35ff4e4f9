/**
 * MerchantStore on DynamoDB, in the payments table:
 * - `KEY#<fingerprint>`: whose a provider credential is (or that the provider refused it, until when);
 * - `RATE#<bucket>#<window start>`: a request counter per window, removed by TTL;
 * - `MERCHANT#<id>`: the merchant's notification signing secrets.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Merchant, MerchantId } from '../payments/model.js';
import type { KnownCredential, MerchantStore, SigningSecret } from '../payments/ports.js';
import { bool, compact, type Item, num, optional, readBool, readNum, readStr, str } from './item.js';
import { conditional, type Table } from './table.js';

const credentialKey = (fingerprint: string): Item => ({ pk: str(`KEY#${fingerprint}`), sk: str('K') });
const merchantKey = (merchant: MerchantId): Item => ({ pk: str(`MERCHANT#${merchant}`), sk: str('M') });
const rateKey = (bucket: string, startMs: number): Item => ({
  pk: str(`RATE#${bucket}#${startMs}`),
  sk: str('R'),
});

/** A fresh signing secret: 32 random bytes, `whsec_`-style prefix so it is recognisable in a vault. */
export function newSigningSecret(now: number): SigningSecret {
  return {
    id: `sig_${randomUUID().replace(/-/g, '').slice(0, 16)}`,
    secret: `pgsec_${randomBytes(32).toString('base64url')}`,
    createdAt: new Date(now).toISOString(),
  };
}

const secretItem = (s: SigningSecret) => ({
  M: compact({
    id: str(s.id),
    secret: str(s.secret),
    created_at: str(s.createdAt),
    expires_at: optional(s.expiresAt, str),
  }),
});

const readSecrets = (item: Item | undefined): SigningSecret[] =>
  (item?.signing_secrets?.L ?? []).map((v) => {
    const m = v.M ?? {};
    const expiresAt = readStr(m, 'expires_at');
    return {
      id: readStr(m, 'id') ?? '',
      secret: readStr(m, 'secret') ?? '',
      createdAt: readStr(m, 'created_at') ?? '',
      ...(expiresAt !== undefined && { expiresAt }),
    };
  });

/** Newest first, without the ones whose grace period has ended. */
export const liveSecrets = (secrets: SigningSecret[], now: number): SigningSecret[] =>
  secrets
    .filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > now)
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));

/** A rotation's secrets: `next` first, then the live ones, each valid until the grace ends at the latest. */
export function rotatedSecrets(rotation: {
  current: SigningSecret[];
  next: SigningSecret;
  graceUntil: number;
  now: number;
}): SigningSecret[] {
  const graceEnd = new Date(rotation.graceUntil).toISOString();
  const kept = liveSecrets(rotation.current, rotation.now).map((s) =>
    // Stryker disable next-line EqualityOperator: an expiry equal to the grace end gives the same secret either way
    s.expiresAt !== undefined && s.expiresAt < graceEnd ? s : { ...s, expiresAt: graceEnd },
  );
  return [rotation.next, ...kept];
}

export class DynamoMerchantStore implements MerchantStore {
  constructor(private readonly table: Table) {}

  async getCredential(fingerprint: string): Promise<KnownCredential | undefined> {
    const { Item: item } = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.name,
        Key: credentialKey(fingerprint),
        ConsistentRead: true,
      }),
    );
    if (!item) return undefined;
    if (readStr(item, 'state') === 'refused') {
      return {
        state: 'refused',
        until: readNum(item, 'until') ?? 0,
        message: readStr(item, 'message') ?? '',
      };
    }
    const merchant: Merchant = {
      id: readStr(item, 'merchant') ?? '',
      provider: readStr(item, 'provider') ?? '',
      accountId: readStr(item, 'account_id') ?? '',
      livemode: readBool(item, 'livemode') ?? false,
    };
    return { state: 'resolved', merchant };
  }

  async putCredential(fingerprint: string, known: KnownCredential): Promise<void> {
    const now = this.table.now();
    const attributes: Item =
      known.state === 'resolved'
        ? {
            state: str('resolved'),
            merchant: str(known.merchant.id),
            provider: str(known.merchant.provider),
            account_id: str(known.merchant.accountId),
            livemode: bool(known.merchant.livemode),
          }
        : {
            state: str('refused'),
            until: num(known.until),
            message: str(known.message),
            // A refusal is forgotten by itself a day later: the key may become valid.
            expires_at: num(Math.floor(known.until / 1000) + 86_400),
          };
    await this.table.client.send(
      new PutItemCommand({
        TableName: this.table.name,
        Item: { ...credentialKey(fingerprint), ...attributes, seen_at: str(new Date(now).toISOString()) },
      }),
    );
  }

  async takeRequest(
    bucket: string,
    window: { startMs: number; lengthMs: number; limit: number },
  ): Promise<boolean> {
    const counted = await conditional(() =>
      this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: rateKey(bucket, window.startMs),
          UpdateExpression: 'ADD n :one SET expires_at = if_not_exists(expires_at, :expires)',
          ConditionExpression: 'attribute_not_exists(n) OR n < :limit',
          ExpressionAttributeValues: {
            ':one': num(1),
            ':limit': num(window.limit),
            ':expires': num(Math.ceil((window.startMs + window.lengthMs) / 1000) + 60),
          },
        }),
      ),
    );
    return counted.ok;
  }

  async signingSecrets(merchant: MerchantId, now: number): Promise<SigningSecret[]> {
    const { Item: item } = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: merchantKey(merchant), ConsistentRead: true }),
    );
    const live = liveSecrets(readSecrets(item), now);
    if (live.length > 0) return live;
    // First use: one secret, created once even when requests race (the loser reads the winner's).
    const first = newSigningSecret(now);
    const created = await this.writeSecrets(merchant, [first], readNum(item ?? {}, 'version') ?? 0);
    return created.ok ? [first] : liveSecrets(readSecrets(created.item), now);
  }

  async rotateSigningSecret(
    merchant: MerchantId,
    next: SigningSecret,
    graceUntil: number,
  ): Promise<SigningSecret[]> {
    for (;;) {
      const { Item: item } = await this.table.client.send(
        new GetItemCommand({ TableName: this.table.name, Key: merchantKey(merchant), ConsistentRead: true }),
      );
      const secrets = rotatedSecrets({ current: readSecrets(item), next, graceUntil, now: this.table.now() });
      const written = await this.writeSecrets(merchant, secrets, readNum(item ?? {}, 'version') ?? 0);
      if (written.ok) return secrets;
    }
  }

  /** The merchant's secrets, if the item is still at `version` (optimistic: a racing writer wins). */
  private writeSecrets(merchant: MerchantId, secrets: SigningSecret[], version: number) {
    return conditional(() =>
      this.table.client.send(
        new PutItemCommand({
          TableName: this.table.name,
          Item: {
            ...merchantKey(merchant),
            merchant: str(merchant),
            signing_secrets: { L: secrets.map(secretItem) },
            // Stryker disable next-line ArithmeticOperator: any change of the version makes the next conditional write see this one; its direction is not read
            version: num(version + 1),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
          ExpressionAttributeValues: { ':v': num(version) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }
}
