/**
 * Bundles built exactly as `serverless package` builds them (serverless.yml custom.esbuild), into
 * a temp folder whose node_modules points at the project's: the external @aws-sdk/* then loads
 * from disk at import, as it does from the Lambda runtime.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { parse } from 'yaml';

export type EsbuildConfig = { options: BuildOptions; ignored: string[] };

type ServerlessYml = {
  functions?: Record<string, { handler?: string }>;
  custom?: { esbuild?: Record<string, unknown> };
};

const readYml = async (path: string): Promise<ServerlessYml> =>
  // logLevel silent: CloudFormation tags (!Ref, !GetAtt) elsewhere in the file are not ours to resolve.
  parse(await readFile(path, 'utf8'), { logLevel: 'silent' }) as ServerlessYml;

/** serverless-esbuild's keys as esbuild options; keys that only steer the plugin are listed as ignored. */
export async function readEsbuildConfig(ymlPath: string): Promise<EsbuildConfig> {
  const custom = (await readYml(ymlPath)).custom?.esbuild ?? {};
  const options: BuildOptions = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(custom)) {
    if (key === 'exclude') options.external = value as string[];
    else if (key === 'outputFileExtension') options.outExtension = { '.js': String(value) };
    else if (key === 'plugins')
      options.plugins = createRequire(ymlPath)(join(dirname(ymlPath), String(value)));
    else if (
      [
        'bundle',
        'minify',
        'sourcemap',
        'target',
        'platform',
        'format',
        'banner',
        'charset',
        'legalComments',
      ].includes(key)
    )
      Object.assign(options, { [key]: value });
    else ignored.push(key);
  }
  return { options, ignored };
}

/** Function name -> source entry (functions/pagos.handler -> functions/pagos.ts). */
export async function functionEntries(ymlPath: string, root: string): Promise<Record<string, string>> {
  const functions = (await readYml(ymlPath)).functions ?? {};
  return Object.fromEntries(
    Object.entries(functions).map(([name, fn]) => [
      name,
      join(root, `${String(fn.handler).replace(/\.[^.]+$/, '')}.ts`),
    ]),
  );
}

export type BuiltBundle = {
  name: string;
  file: string;
  minBytes: number;
  gzBytes: number;
  /** Biggest contributors by package (or source folder), bytes in the output. */
  top: { input: string; bytes: number }[];
};

export type BundleDir = { dir: string; remove(): Promise<void> };

export async function makeBundleDir(root: string): Promise<BundleDir> {
  const dir = await mkdtemp(join(tmpdir(), 'pagos-bench-'));
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** One entry per build, like serverless-esbuild's `package.individually`. */
export async function buildBundle(
  name: string,
  entry: string,
  outDir: string,
  config: EsbuildConfig,
): Promise<BuiltBundle> {
  const result = await build({
    ...config.options,
    entryPoints: { [name]: entry },
    outdir: outDir,
    metafile: true,
    logLevel: 'silent',
  });
  const [file, output] = Object.entries(result.metafile.outputs).find(([f]) => !f.endsWith('.map'))!;
  const code = await readFile(file);
  return {
    name,
    file,
    minBytes: output.bytes,
    gzBytes: gzipSync(code).length,
    top: topContributors(result.metafile, file),
  };
}

function topContributors(meta: Metafile, file: string): { input: string; bytes: number }[] {
  const byOwner = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(meta.outputs[file]?.inputs ?? {})) {
    const pkg = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];
    const owner = pkg ?? input.split('/').slice(0, -1).join('/');
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + bytesInOutput);
  }
  return [...byOwner]
    .map(([input, bytes]) => ({ input, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 5);
}

const IMPORT_PROBE = `
const started = performance.now();
const mod = await import(process.argv[2]);
const importMs = performance.now() - started;
if (typeof mod.handler !== 'function') { console.error('no handler export'); process.exit(2); }
process.stdout.write(JSON.stringify({ importMs }));
`;

export type InitSamples = { importMs: number[]; processMs: number[] };

/**
 * Module init time: a fresh `node` per run, timing `import()` of the bundle (module-scope code
 * included: config, clients); also the whole process, spawn to exit. Runs are interleaved across
 * bundles so machine noise hits all alike.
 */
export async function measureInit(
  bundles: readonly BuiltBundle[],
  dir: string,
  runs: number,
  env: Record<string, string>,
): Promise<Record<string, InitSamples>> {
  const probe = join(dir, 'import-probe.mjs');
  await writeFile(probe, IMPORT_PROBE);
  const samples: Record<string, InitSamples> = Object.fromEntries(
    bundles.map((b) => [b.name, { importMs: [], processMs: [] }]),
  );
  for (let run = 0; run < runs; run++) {
    // Rotate the order each round: no bundle always runs first, right after a sibling warmed the page cache.
    for (let i = 0; i < bundles.length; i++) {
      const bundle = bundles[(i + run) % bundles.length]!;
      const started = performance.now();
      const importMs = await importOnce(probe, bundle.file, env);
      samples[bundle.name]!.processMs.push(performance.now() - started);
      samples[bundle.name]!.importMs.push(importMs);
    }
  }
  return samples;
}

function importOnce(probe: string, file: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [probe, file], { env, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`importing ${basename(file)} failed: ${error.message} ${stderr}`));
      else resolve((JSON.parse(stdout) as { importMs: number }).importMs);
    });
  });
}
