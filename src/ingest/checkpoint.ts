import type { Store } from '../store/store.js';
import { SqlParams, sqlJsonRows } from './sql-literal.js';

/** What ingest remembers about one source between runs; written in the same transaction as its rows. */
export interface Checkpoint {
  readonly uri: string;
  readonly format: string | null;
  readonly size: number;
  readonly mtimeMs: number;
  readonly consumedOffset: number;
  readonly recordsConsumed: number;
  readonly fingerprint: string;
  readonly tuplesRead: number;
  readonly tuplesStored: number;
  readonly tuplesRejected: number;
  readonly duplicatesSkipped: number;
}

/** Loads every checkpoint; a few hundred bytes each, so even a million sources fit comfortably. */
export async function loadCheckpoints(store: Store): Promise<Map<string, Checkpoint>> {
  const rows = await store.rows('SELECT * FROM _vnetflow_checkpoints');
  const map = new Map<string, Checkpoint>();
  for (const r of rows) {
    map.set(String(r.source_uri), {
      uri: String(r.source_uri),
      format: r.format === null ? null : String(r.format),
      size: Number(r.size),
      mtimeMs: Number(r.mtime_ms),
      consumedOffset: Number(r.consumed_offset),
      recordsConsumed: Number(r.records_consumed),
      fingerprint: String(r.fingerprint),
      tuplesRead: Number(r.tuples_read),
      tuplesStored: Number(r.tuples_stored),
      tuplesRejected: Number(r.tuples_rejected),
      duplicatesSkipped: Number(r.duplicates_skipped),
    });
  }
  return map;
}

/** Stores a batch's checkpoints in one INSERT OR REPLACE. */
export async function upsertCheckpoints(store: Store, cps: readonly Checkpoint[]): Promise<void> {
  if (cps.length === 0) return;
  const rows = cps.map((c) => ({
    uri: c.uri,
    format: c.format,
    size: c.size,
    mtime: c.mtimeMs,
    offset: c.consumedOffset,
    records: c.recordsConsumed,
    fingerprint: c.fingerprint,
    read: c.tuplesRead,
    stored: c.tuplesStored,
    rejected: c.tuplesRejected,
    duplicates: c.duplicatesSkipped,
  }));
  const shape = {
    uri: 'VARCHAR',
    format: 'VARCHAR',
    size: 'BIGINT',
    mtime: 'DOUBLE',
    offset: 'BIGINT',
    records: 'BIGINT',
    fingerprint: 'VARCHAR',
    read: 'BIGINT',
    stored: 'BIGINT',
    rejected: 'BIGINT',
    duplicates: 'BIGINT',
  };
  const params = new SqlParams();
  await store.run(
    `INSERT OR REPLACE INTO _vnetflow_checkpoints SELECT *, now()::TIMESTAMP FROM ${sqlJsonRows(rows, shape, params)}`,
    params.values,
  );
}
