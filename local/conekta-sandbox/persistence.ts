// The sandbox's state on disk (option statePath): one JSON document, written whole after each
// change (to <path>.tmp, then renamed over <path>, so a reader or a kill -9 only ever sees a whole
// document) and read once at start. Local dev scale: synchronous writes, no fsync, no journal.
// API keys are kept as their SHA-256 only; webhook private keys (sandbox-generated, local only)
// as PKCS#8 PEM.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type {
  Account,
  Company,
  DeliverySummary,
  KeyPair,
  StoreContents,
  StoredAnswer,
  StoredEvent,
  StoredOrder,
  WebhookKeyRecord,
  WebhookRecord,
} from './store.js';
import { keyPairFromPem, type WebhookEvent } from './webhooks.js';

/** Bump when the document changes shape; an unknown version fails start instead of being guessed at. */
export const STATE_VERSION = 1;

interface SavedWebhookKey {
  id: string;
  createdAt: number;
  active: boolean;
  /** Absent for the sandbox's default key, which is saved once (and may be replaced at start). */
  privateKeyPem?: string;
}

interface SavedAccount {
  id: string;
  companyId: string;
  livemode: boolean;
  usedTokens: string[];
  orderIds: string[];
  webhooks: WebhookRecord[];
  webhookKeys: SavedWebhookKey[];
  eventIds: string[];
  /** Settled answers only: a request still being processed had not answered. */
  idempotency: [string, StoredAnswer][];
}

interface SavedEvent {
  accountId: string;
  /** The exact bytes sent (the event object is parsed back from them). */
  bodyBase64: string;
  digest?: string;
  deliveries: DeliverySummary[];
}

export interface StateDocument {
  version: typeof STATE_VERSION;
  savedAt: string;
  /** PKCS#8 PEM of the key every account starts with (Pagos is configured with its public half). */
  defaultWebhookPrivateKeyPem: string;
  /** Each with its keys (hash and prefix, never the key). */
  companies: Company[];
  accounts: SavedAccount[];
  orders: StoredOrder[];
  slugs: [string, string][];
  events: SavedEvent[];
}

/** Why start refused the state file; names the file and the way out. */
export class SandboxStateError extends Error {
  override name = 'SandboxStateError';
  constructor(
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const unusable = (path: string, problem: string, cause?: unknown) =>
  new SandboxStateError(
    path,
    `Conekta sandbox state file ${path} ${problem}. Nothing was loaded and the file was left as it is: ` +
      'delete it, or start fresh (npm start -- --fresh), to begin with an empty sandbox ' +
      '(its orders, keys and events are then lost).',
    cause === undefined ? undefined : { cause },
  );

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

const pkcs8 = (pair: KeyPair): string => pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function saveWebhookKey(key: WebhookKeyRecord, defaultKey: KeyPair): SavedWebhookKey {
  const saved = { id: key.id, createdAt: key.createdAt, active: key.active };
  return key.publicKeyPem === defaultKey.publicKeyPem ? saved : { ...saved, privateKeyPem: pkcs8(key) };
}

function saveAccount(account: Account, defaultKey: KeyPair): SavedAccount {
  const settled = [...account.idempotency].filter(
    (entry): entry is [string, StoredAnswer] => !(entry[1] instanceof Promise),
  );
  return {
    id: account.id,
    companyId: account.company.id,
    livemode: account.livemode,
    usedTokens: [...account.usedTokens],
    orderIds: account.orderIds,
    webhooks: account.webhooks,
    webhookKeys: account.webhookKeys.map((key) => saveWebhookKey(key, defaultKey)),
    eventIds: account.eventIds,
    idempotency: settled,
  };
}

const saveEvent = (stored: StoredEvent): SavedEvent => ({
  accountId: stored.accountId,
  bodyBase64: stored.body.toString('base64'),
  ...(stored.digest === undefined ? {} : { digest: stored.digest }),
  deliveries: [...stored.deliveries.values()],
});

/** The whole state as one document (shares the store's objects; stringify it right away). */
export function stateDocument(contents: StoreContents, defaultKey: KeyPair, savedAt: Date): StateDocument {
  return {
    version: STATE_VERSION,
    savedAt: savedAt.toISOString(),
    defaultWebhookPrivateKeyPem: pkcs8(defaultKey),
    companies: contents.companies,
    accounts: contents.accounts.map((account) => saveAccount(account, defaultKey)),
    orders: contents.orders,
    slugs: contents.slugs,
    events: contents.events.map(saveEvent),
  };
}

function restoreAccount(saved: SavedAccount, companies: Map<string, Company>, defaultKey: KeyPair): Account {
  const company = companies.get(saved.companyId);
  if (!company) throw new Error(`account ${saved.id} belongs to unknown company ${saved.companyId}`);
  return {
    id: saved.id,
    company,
    livemode: saved.livemode,
    usedTokens: new Set(saved.usedTokens),
    orderIds: saved.orderIds,
    webhooks: saved.webhooks,
    webhookKeys: saved.webhookKeys.map(({ privateKeyPem, ...key }) => ({
      ...(privateKeyPem === undefined ? defaultKey : keyPairFromPem(privateKeyPem)),
      ...key,
    })),
    eventIds: saved.eventIds,
    idempotency: new Map(saved.idempotency),
  };
}

function restoreEvent(saved: SavedEvent): StoredEvent {
  const body = Buffer.from(saved.bodyBase64, 'base64');
  return {
    accountId: saved.accountId,
    event: JSON.parse(body.toString('utf8')) as WebhookEvent,
    body,
    digest: saved.digest,
    deliveries: new Map(saved.deliveries.map((summary) => [summary.url, summary])),
  };
}

/** The store's contents from a document; the accounts' default-key records get `defaultKey`. */
export function restoreContents(document: StateDocument, defaultKey: KeyPair): StoreContents {
  const companies = new Map(document.companies.map((company) => [company.id, company]));
  return {
    companies: [...companies.values()],
    accounts: document.accounts.map((saved) => restoreAccount(saved, companies, defaultKey)),
    orders: document.orders,
    slugs: document.slugs,
    events: document.events.map(restoreEvent),
  };
}

const LISTS = ['companies', 'accounts', 'orders', 'slugs', 'events'] as const;

/** The parsed file as a document of the version this sandbox reads, or why not. */
function checkDocument(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'is not a JSON object';
  const document = parsed as Record<string, unknown>;
  if (!('version' in document)) return 'has no version field';
  if (document.version !== STATE_VERSION)
    return `has version ${JSON.stringify(document.version)}; this sandbox reads version ${STATE_VERSION} only`;
  if (typeof document.defaultWebhookPrivateKeyPem !== 'string') return 'has no defaultWebhookPrivateKeyPem';
  const missing = LISTS.filter((name) => !Array.isArray(document[name]));
  return missing.length > 0 ? `has no ${missing.join(', ')} list` : undefined;
}

/** The document in the file; undefined when there is no file yet. Throws SandboxStateError. */
export function readStateFile(path: string): StateDocument | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unusable(path, `cannot be read (${messageOf(cause)})`, cause);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw unusable(path, `is corrupt: not valid JSON (${messageOf(cause)})`, cause);
  }
  const problem = checkDocument(parsed);
  if (problem) throw unusable(path, problem);
  return parsed as StateDocument;
}

export interface LoadedState {
  defaultKey: KeyPair;
  contents: StoreContents;
}

/**
 * The saved state, ready for the store; undefined when there is no file yet. `explicitDefaultKey`
 * (the webhookPrivateKeyPem option) wins over the saved default key. Throws SandboxStateError.
 */
export function loadState(path: string, explicitDefaultKey?: KeyPair): LoadedState | undefined {
  const document = readStateFile(path);
  if (!document) return undefined;
  try {
    const defaultKey = explicitDefaultKey ?? keyPairFromPem(document.defaultWebhookPrivateKeyPem);
    return { defaultKey, contents: restoreContents(document, defaultKey) };
  } catch (cause) {
    throw unusable(path, `is corrupt: ${messageOf(cause)}`, cause);
  }
}

/** Whole or not at all: the old file stays until the new one is complete, then rename swaps them. */
export function writeStateFile(path: string, document: StateDocument): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(document));
  renameSync(temporary, path);
}

export interface StateWriterOptions {
  path: string;
  /** The document to write, as the state is now. */
  document: () => StateDocument;
  log: (message: string) => void;
}

/**
 * Writes the state once per batch of changes: `save()` right before an answer goes out (a request
 * answered is on disk), and, for changes the sandbox makes by itself (delivery attempts), on the
 * next turn of the event loop. Changes within one request make one write.
 */
export class StateWriter {
  private dirty = false;
  private scheduled = false;
  private closed = false;

  /** Creates the folder and writes the state now; a path that cannot be written fails start. */
  constructor(private readonly options: StateWriterOptions) {
    try {
      mkdirSync(dirname(options.path), { recursive: true });
      writeStateFile(options.path, options.document());
    } catch (cause) {
      throw new SandboxStateError(
        options.path,
        `Conekta sandbox state file ${options.path} cannot be written (${messageOf(cause)})`,
        { cause },
      );
    }
  }

  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.save();
    });
  }

  /** Writes now if anything changed since the last write. A failed write is logged and retried on the next save. */
  save(): void {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    try {
      writeStateFile(this.options.path, this.options.document());
    } catch (error) {
      this.dirty = true;
      this.options.log(
        `STATE NOT SAVED to ${this.options.path}: ${messageOf(error)} (retried on the next change)`,
      );
    }
  }

  /** Writes what is left, then never again: a stopped sandbox must not overwrite its successor's file. */
  close(): void {
    this.save();
    this.closed = true;
  }
}
