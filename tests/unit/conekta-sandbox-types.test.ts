// lib/providers/conekta/openapi.d.ts must be exactly what `npm run gen:conekta` produces now.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

test('the committed openapi.d.ts equals a fresh generation', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'conekta-types-'));
  try {
    const out = join(dir, 'openapi.d.ts');
    await run(process.execPath, ['--import', 'tsx', 'scripts/generate-conekta-types.mjs', '--out', out], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    const [fresh, committed] = await Promise.all([
      readFile(out, 'utf8'),
      readFile(join(root, 'lib/providers/conekta/openapi.d.ts'), 'utf8'),
    ]);
    expect(fresh.length).toBeGreaterThan(10_000);
    expect(fresh).toContain('order_response: {');
    // on failure: run `npm run gen:conekta` and commit the result
    expect(committed).toBe(fresh);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
