// The sandbox's state document and its writer, without a server: what is saved, what is dropped,
// and how often the file is written.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  readStateFile,
  restoreContents,
  STATE_VERSION,
  type StateDocument,
  StateWriter,
  stateDocument,
  writeStateFile,
} from '../../local/conekta-sandbox/persistence.js';
import { SandboxStore, type StoredAnswer } from '../../local/conekta-sandbox/store.js';
import { generateKeyPairRsa } from '../../local/conekta-sandbox/webhooks.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-persistence-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW = 1_800_000_000;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('stateDocument / restoreContents', () => {
  test('a settled Idempotency-Key answer is saved, one still being processed is dropped', async () => {
    const defaultKey = await generateKeyPairRsa();
    const store = new SandboxStore(defaultKey);
    const account = store.accountOf(store.resolveKey('key_unit_idem', NOW), NOW);
    const settled: StoredAnswer = { status: 200, body: { id: 'ord_settled' } };
    store.settleAnswer(account, 'done', settled);
    store.awaitAnswer(account, 'in-flight', new Promise<StoredAnswer>(() => {}));

    const document = JSON.parse(JSON.stringify(stateDocument(store.contents(), defaultKey, new Date())));
    expect(document.accounts[0].idempotency).toEqual([['done', settled]]);
    const [restored] = restoreContents(document, defaultKey).accounts;
    expect([...(restored?.idempotency ?? [])]).toEqual([['done', settled]]);
  });

  test("the default webhook key is saved once; an account's own key as PKCS#8 PEM", async () => {
    const defaultKey = await generateKeyPairRsa();
    const own = await generateKeyPairRsa();
    const store = new SandboxStore(defaultKey);
    const account = store.accountOf(store.resolveKey('key_unit_keys', NOW), NOW);
    store.addWebhookKey(account, { ...own, id: 'own', createdAt: NOW, active: true });

    const document: StateDocument = JSON.parse(
      JSON.stringify(stateDocument(store.contents(), defaultKey, new Date())),
    );
    expect(document.version).toBe(STATE_VERSION);
    expect(document.defaultWebhookPrivateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const [fromDefault, ownSaved] = document.accounts[0]?.webhookKeys ?? [];
    expect(fromDefault).not.toHaveProperty('privateKeyPem');
    expect(ownSaved?.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);

    const keys = restoreContents(document, defaultKey).accounts[0]?.webhookKeys ?? [];
    expect(keys.map((key) => key.publicKeyPem)).toEqual([defaultKey.publicKeyPem, own.publicKeyPem]);
    expect(keys[0]?.privateKey).toBe(defaultKey.privateKey);
  });

  test('a restored store finds a key by its text, though only its hash was saved', async () => {
    const defaultKey = await generateKeyPairRsa();
    const store = new SandboxStore(defaultKey);
    const record = store.resolveKey('key_unit_lookup', NOW);
    const text = JSON.stringify(stateDocument(store.contents(), defaultKey, new Date()));
    expect(text).not.toContain('key_unit_lookup');

    const restored = new SandboxStore(defaultKey, {
      contents: restoreContents(JSON.parse(text), defaultKey),
    });
    expect(restored.keyRecord('key_unit_lookup')).toEqual(record);
    expect(restored.keyRecord('key_unit_other')).toBeUndefined();
  });
});

describe('state file', () => {
  test('a write replaces the file whole and leaves no temporary file', () => {
    const path = join(dir, 'atomic.json');
    writeFileSync(path, 'old');
    const document = { version: STATE_VERSION, marker: 'new' } as unknown as StateDocument;
    writeStateFile(path, document);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(document);
    expect(readdirSync(dir).filter((name) => name.startsWith('atomic'))).toEqual(['atomic.json']);
  });

  test('no file yet reads as no state', () => {
    expect(readStateFile(join(dir, 'absent.json'))).toBeUndefined();
  });
});

describe('StateWriter', () => {
  const counting = (name: string) => {
    let writes = 0;
    const writer = new StateWriter({
      path: join(dir, 'writer', `${name}.json`),
      document: () => {
        writes += 1;
        return { version: STATE_VERSION, writes } as unknown as StateDocument;
      },
      log: () => {},
    });
    return { writer, writes: () => writes };
  };

  test('writes at start (creating the folder), then once per batch of changes', async () => {
    const { writer, writes } = counting('batch');
    expect(writes()).toBe(1);
    writer.changed();
    writer.changed();
    writer.changed();
    writer.save(); // before an answer
    expect(writes()).toBe(2);
    await nextTurn(); // the scheduled write finds nothing left
    expect(writes()).toBe(2);
    writer.save();
    expect(writes()).toBe(2);
  });

  test('changes nobody answers for are written on the next turn', async () => {
    const { writer, writes } = counting('later');
    writer.changed();
    expect(writes()).toBe(1);
    await nextTurn();
    expect(writes()).toBe(2);
  });

  test('closed, it writes what is left and then never again', async () => {
    const { writer, writes } = counting('closed');
    writer.changed();
    writer.close();
    expect(writes()).toBe(2);
    writer.changed();
    writer.save();
    await nextTurn();
    expect(writes()).toBe(2);
  });

  test('a path that cannot be written fails at start, naming it', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, '');
    expect(
      () =>
        new StateWriter({
          path: join(blocker, 'state.json'),
          document: () => ({}) as StateDocument,
          log: () => {},
        }),
    ).toThrow(`${join(blocker, 'state.json')} cannot be written`);
  });
});
