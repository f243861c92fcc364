import { closeSync, mkdtempSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
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

/** A legacy NSG flow log blob (version 1 or 2) with one record of the given tuples. */
export function nsgBlob(version: number, tuples: string[]): string {
  return JSON.stringify({
    records: [
      {
        time: '2017-02-16T22:00:32.8950000Z',
        systemId: 'sys-1',
        category: 'NetworkSecurityGroupFlowEvent',
        resourceId:
          '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG1',
        operationName: 'NetworkSecurityGroupFlowEvents',
        properties: {
          Version: version,
          flows: [
            { rule: 'DefaultRule_DenyAllInBound', flows: [{ mac: '00-0D-3A-F8-78-56', flowTuples: tuples }] },
          ],
        },
      },
    ],
  });
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

/**
 * Writes a v4 blob of `records` records of `tuples` tuples each, one record at a time (a blob of
 * hundreds of MB never sits in memory). Tuple n of the blob has ports that make it unique: source
 * port 1024 + n % 60000, destination port 1 + n / 60000. Returns the tuple count.
 */
export function writeBigBlob(path: string, records: number, tuples: number, first = 0): number {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  let n = first;
  try {
    writeSync(fd, '{"records":[');
    for (let r = 0; r < records; r++) {
      const list: string[] = [];
      for (let k = 0; k < tuples; k++, n++)
        list.push(
          `"1663146003599,10.0.${(n >> 8) & 255}.${n & 255},192.0.2.7,${1024 + (n % 60000)},${1 + Math.floor(n / 60000)},6,O,B,NX,1,${n},1,1"`,
        );
      writeSync(
        fd,
        `${r ? ',' : ''}{"time":"2022-09-14T09:00:00Z","macAddress":"112233445566","flowRecords":{"flows":[{"aclID":"a${r}","flowGroups":[{"rule":"R","flowTuples":[${list.join(',')}]}]}]}}`,
      );
    }
    writeSync(fd, ']}');
  } finally {
    closeSync(fd);
  }
  return n - first;
}
