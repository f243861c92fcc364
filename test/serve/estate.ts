import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildAnalytics } from '../../src/analytics/build.js';
import { openDuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { generate } from '../../src/synth/generate.js';
import { ingestPaths, tempDir } from '../helpers.js';

/**
 * A small generated estate (3 hours, a tenth of the default traffic) ingested and analysed into a
 * database file once; each test file copies it so servers can own their own database.
 */
export interface Estate {
  readonly dir: string;
  readonly env: string;
  /** The database as ingest and analytics left it (no alerts yet: the server's first pass detects). */
  readonly base: string;
}

let made: Promise<Estate> | null = null;

export function estate(): Promise<Estate> {
  made ??= (async () => {
    const dir = tempDir('vnetflow-serve-');
    const env = join(dir, 'env');
    generate({
      out: env,
      seed: 8,
      hours: 3,
      end: new Date('2026-06-02T00:00:00Z'),
      scale: 0.1,
      format: 'vnet',
    });
    const base = join(dir, 'base.duckdb');
    const store = await openDuckDBStore({ path: base });
    await ingestPaths(store, [env]);
    await buildAnalytics(store);
    await store.run('CHECKPOINT');
    store.close();
    return { dir, env, base };
  })();
  return made;
}

/** A private copy of the estate's database, named `name` in the estate's folder. */
export async function copyDb(name: string): Promise<string> {
  const e = await estate();
  const path = join(e.dir, name, 'vnetflow.duckdb');
  mkdirSync(join(e.dir, name), { recursive: true });
  if (!existsSync(path)) copyFileSync(e.base, path);
  return path;
}
