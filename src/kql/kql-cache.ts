import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CompiledKql } from './run.js';

/**
 * Compiled queries kept between runs, for queries that run again and again (detection rules).
 * Kusto's analyzer takes over a second to start in a new process; a `vnetflow detect` or ingest
 * whose rules are all in the cache never starts it. A key covers the query, everything that
 * shapes its SQL besides (the read scope) and the code that compiles it: any change of vnetflow
 * or of Kusto.Language makes new keys, so a stale compilation is never used.
 */
export interface KqlCache {
  get(key: string): CompiledKql | undefined;
  set(key: string, compiled: CompiledKql): void;
}

/** A cache held in memory, which remembers what was added (to be saved). */
export class MemoryKqlCache implements KqlCache {
  readonly added = new Map<string, CompiledKql>();

  constructor(private readonly entries = new Map<string, CompiledKql>()) {}

  get(key: string): CompiledKql | undefined {
    return this.entries.get(key);
  }

  set(key: string, compiled: CompiledKql): void {
    this.entries.set(key, compiled);
    this.added.set(key, compiled);
  }
}

let digest: string | null = null;

/** A digest of the compiler: vnetflow's compiled code and the Kusto.Language version. */
export function compilerDigest(): string {
  if (digest) return digest;
  const h = createHash('sha256');
  // dist/src/kql/kql-cache.js -> dist/src: every module, as the scope SQL comes from the store too.
  const root = fileURLToPath(new URL('..', import.meta.url));
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) h.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  walk(root);
  const require = createRequire(import.meta.url);
  h.update(readFileSync(require.resolve('@kusto/language-service-next/package.json')));
  return (digest = h.digest('hex'));
}

/** The cache key of a query compiled with a given scope (described by `scope`, any stable text). */
export function kqlCacheKey(query: string, scope: string): string {
  return createHash('sha256')
    .update(compilerDigest())
    .update('\0')
    .update(scope)
    .update('\0')
    .update(query)
    .digest('hex');
}
