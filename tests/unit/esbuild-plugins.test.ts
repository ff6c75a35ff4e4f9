/**
 * build/esbuild-plugins.cjs, the builtins-through-require plugin the Lambda bundles are built
 * with: a bundle that imports Node builtins by name works, reads none of their getters at import
 * (so no DeprecationWarning and no subsystem loaded for nothing), and importing a getter that is
 * not kept fails the build instead of reading undefined.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';

const plugins = createRequire(import.meta.url)('../../build/esbuild-plugins.cjs') as Plugin[];
const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pagos-plugins-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Builds `source` as serverless.yml builds a function (ESM, a banner that defines require). */
async function bundle(name: string, source: string): Promise<string> {
  const entry = join(dir, `${name}.ts`);
  await writeFile(entry, source);
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'silent',
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    plugins,
  });
  return outfile;
}

describe('builtins through require', () => {
  it('serves builtins imported by name, with AsyncLocalStorage, and no warning at import', async () => {
    const file = await bundle(
      'ok',
      [
        "import { createHash, randomUUID } from 'node:crypto';",
        "import { STATUS_CODES } from 'node:http';",
        "import { isIP } from 'node:net';",
        "import { AsyncLocalStorage } from 'node:async_hooks';",
        "import crypto from 'node:crypto';",
        'const store = new AsyncLocalStorage<string>();',
        'const answer = store.run("x", () => [',
        '  createHash("sha256").update("a").digest("hex").slice(0, 8),',
        '  randomUUID().length,',
        '  STATUS_CODES[404],',
        '  isIP("127.0.0.1"),',
        '  typeof crypto.getFips,',
        '  store.getStore(),',
        ']);',
        'console.log(JSON.stringify(answer));',
      ].join('\n'),
    );
    const { stdout, stderr } = await run(process.execPath, ['--trace-deprecation', file]);
    expect(JSON.parse(stdout)).toEqual(['ca978112', 36, 'Not Found', 4, 'function', 'x']);
    expect(stderr).toBe('');
  });

  it.each([
    ['node:crypto', 'fips'],
    ['node:crypto', 'webcrypto'],
    ['node:http', 'WebSocket'],
    ['node:net', 'BlockList'],
  ])('refuses to build an import of the %s getter %s (it would be read at import)', async (module, name) => {
    await expect(
      bundle(`getter-${name}`, `import { ${name} } from '${module}';\nconsole.log(${name});`),
    ).rejects.toThrow(`No matching export in "builtin-through-require:${module}" for import "${name}"`);
  });
});
