import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { normalizeSpec, type OpenApiDoc } from './spec-normalize.js';

/** The copy inside the repo (never ../shared), so a clean clone works. */
export const SPEC_PATH = fileURLToPath(new URL('./spec/api.yaml', import.meta.url));

// The cache key covers the normalizer's own source too, so editing it never serves a stale cache.
const NORMALIZER_SOURCE = fileURLToPath(new URL('./spec-normalize.ts', import.meta.url));

function normalizerFingerprint(): string {
  try {
    return readFileSync(NORMALIZER_SOURCE, 'utf8');
  } catch {
    return 'unknown'; // e.g. bundled: then the YAML hash alone decides
  }
}

export interface LoadedSpec {
  doc: OpenApiDoc;
  /** Where the normalized document came from, and how long that took. */
  source: 'yaml' | 'cache';
  loadMs: number;
}

export class SpecLoadError extends Error {
  override name = 'SpecLoadError';
}

function cachePath(yamlText: string): string {
  const hash = createHash('sha256').update(yamlText).update(normalizerFingerprint()).digest('hex');
  return join(tmpdir(), 'conekta-sandbox-spec', `${hash.slice(0, 32)}.json`);
}

function readCache(path: string): OpenApiDoc | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as OpenApiDoc;
  } catch {
    return undefined;
  }
}

function writeCache(path: string, doc: OpenApiDoc): void {
  // Best effort and atomic (rename), so parallel jest workers never read half a file.
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, JSON.stringify(doc));
    renameSync(temp, path);
  } catch {
    // a read-only tmp dir only costs speed
  }
}

/**
 * Parses and normalizes the spec. Parsing 760 KB of YAML costs ~0.4 s, so the normalized JSON is
 * cached in the OS temp dir, keyed by the YAML's hash (a cache hit costs a few ms).
 */
export function loadSpecFromDisk(path = SPEC_PATH, useCache = true): LoadedSpec {
  const started = performance.now();
  let yamlText: string;
  try {
    yamlText = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SpecLoadError(`Cannot read the Conekta spec at ${path}`, { cause });
  }
  const cacheFile = cachePath(yamlText);
  const cached = useCache ? readCache(cacheFile) : undefined;
  if (cached) return { doc: cached, source: 'cache', loadMs: performance.now() - started };
  let doc: OpenApiDoc;
  try {
    doc = normalizeSpec(parse(yamlText) as OpenApiDoc);
  } catch (cause) {
    throw new SpecLoadError(`Cannot parse the Conekta spec at ${path}`, { cause });
  }
  if (useCache) writeCache(cacheFile, doc);
  return { doc, source: 'yaml', loadMs: performance.now() - started };
}

let loaded: LoadedSpec | undefined;

/** Once per process (per jest module registry). */
export function loadSpec(): LoadedSpec {
  loaded ??= loadSpecFromDisk();
  return loaded;
}
