import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingest } from '../src/ingest/ingest.js';
import type { IngestSummary } from '../src/ingest/summary.js';
import { FileSource } from '../src/sources/file/file-source.js';
import { openDuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store } from '../src/store/store.js';

/** The repository root (tests run from dist/test). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export function tempDir(prefix = 'vnetflow-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a file, creating its folders. */
export function put(path: string, content: string | Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** A fresh in-memory DuckDB with the vnetflow tables. */
export function memoryStore(): Promise<Store> {
  return openDuckDBStore({ path: ':memory:' });
}

export function ingestPaths(store: Store, paths: string[], batchBytes?: number): Promise<IngestSummary> {
  return ingest({ store, sources: [new FileSource(paths)], ...(batchBytes ? { batchBytes } : {}) });
}

export async function count(store: Store, sql: string): Promise<number> {
  const rows = await store.rows(sql);
  return Number(Object.values(rows[0])[0]);
}

/** Asserts the accounting invariant of a summary, in total and per source. */
export function accountingHolds(s: IngestSummary): boolean {
  const ok = (r: {
    tuplesRead: number;
    tuplesStored: number;
    tuplesRejected: number;
    duplicatesSkipped: number;
  }): boolean =>
    r.tuplesRead === r.tuplesStored + r.tuplesRejected + r.duplicatesSkipped && r.duplicatesSkipped >= 0;
  return ok(s) && s.sources.every(ok);
}

/** A v4 blob as Azure writes it, from records given as tuple lists. */
export function v4Blob(
  records: { mac?: string; time?: string; rule?: string; acl?: string; tuples: unknown[] }[],
): string {
  const recs = records.map((r) =>
    JSON.stringify({
      time: r.time ?? '2025-04-30T09:07:40.9861820Z',
      flowLogVersion: 4,
      flowLogGUID: 'guid-1',
      macAddress: r.mac ?? '112233445566',
      category: 'FlowLogFlowEvent',
      flowLogResourceID:
        '/SUBSCRIPTIONS/S/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NW/FLOWLOGS/FL',
      targetResourceID: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet',
      operationName: 'FlowLogFlowEvent',
      flowRecords: {
        flows: [
          {
            aclID: r.acl ?? 'acl-1',
            flowGroups: [{ rule: r.rule ?? 'DefaultRule_AllowInternetOutBound', flowTuples: r.tuples }],
          },
        ],
      },
    }),
  );
  return `{"records":[${recs.join(',')}]}`;
}

/** A small seeded random source, so a failing case can be replayed from its seed. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
