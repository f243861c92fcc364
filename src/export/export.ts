import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import {
  canExport,
  exportToFile,
  recordHours,
  type ExportFormat,
  type ExportTable,
} from '../store/duckdb/export-sql.js';
import type { Store } from '../store/store.js';

export type { ExportFormat, ExportTable };
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ecs', 'ocsf', 'raw'];
export const EXPORT_TABLES: readonly ExportTable[] = ['FlowTuples', 'Flows', 'NTANetAnalytics', 'Alerts'];

/** What to export and where. */
export interface ExportOptions {
  readonly format: ExportFormat;
  readonly table: ExportTable;
  readonly from: Date | null;
  readonly to: Date | null;
  /** A file path, or '-' for standard output. */
  readonly out: string;
  readonly gzip: boolean;
}

/** What an export wrote. */
export interface ExportSummary {
  readonly events: number;
  readonly seconds: number;
}

/** An export that cannot be done as asked (the format has no mapping for the table). */
export class ExportError extends Error {
  override name = 'ExportError';
}

/**
 * Writes the table's rows of [from, to) as NDJSON events in the format: ECS 8.x, OCSF 1.2 (Network
 * Activity for flow tuples, Detection Finding for alerts) or raw (the FlowLogFlowEvent records
 * Azure writes, for flow tuples). Events are built and written by the database in one pass.
 */
export async function exportEvents(store: Store, o: ExportOptions): Promise<ExportSummary> {
  if (!canExport(o.format, o.table))
    throw new ExportError(
      `export: ${o.format} is for flow tuples only (raw records are what Azure wrote); use ecs or ocsf for ${o.table}`,
    );
  const started = performance.now();
  const path = o.out === '-' ? '/dev/stdout' : o.out;
  const events =
    o.format === 'raw'
      ? await exportByHour(store, o, path)
      : await exportToFile(store, {
          format: o.format,
          table: o.table,
          from: o.from,
          to: o.to,
          path,
          gzip: o.gzip,
        });
  return { events, seconds: (performance.now() - started) / 1000 };
}

/** Ten minutes: a chunk of 9.6M tuples a day regroups within the export's 512 MB. */
const CHUNK = 600_000;

/**
 * Raw records are rebuilt ten minutes of record times at a time into part files, then appended
 * to the output in order (gzip parts concatenate into one valid multi-member gzip stream):
 * regrouping more tuples into records at once takes more memory than an export may use.
 */
async function exportByHour(store: Store, o: ExportOptions, path: string): Promise<number> {
  const parts = mkdtempSync(join(tmpdir(), 'vnetflow-export-'));
  try {
    const out = createWriteStream(path);
    let events = 0;
    for (const h of await recordHours(store, o.from, o.to)) {
      const part = join(parts, `${h}.ndjson`);
      const from = new Date(Math.max(h, o.from?.getTime() ?? h));
      const to = new Date(Math.min(h + CHUNK, o.to?.getTime() ?? h + CHUNK));
      events += await exportToFile(store, {
        format: 'raw',
        table: o.table,
        from,
        to,
        path: part,
        gzip: o.gzip,
      });
      for await (const chunk of createReadStream(part)) if (!out.write(chunk)) await once(out, 'drain');
      rmSync(part);
    }
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    return events;
  } finally {
    rmSync(parts, { recursive: true, force: true });
  }
}
