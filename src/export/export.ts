import { canExport, exportToFile, type ExportFormat, type ExportTable } from '../store/duckdb/export-sql.js';
import type { Store } from '../store/store.js';

export type { ExportFormat, ExportTable };
export const EXPORT_FORMATS: readonly ExportFormat[] = ['ecs', 'ocsf', 'raw'];
export const EXPORT_TABLES: readonly ExportTable[] = ['FlowTuples', 'Alerts'];

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
  const events = await exportToFile(store, {
    format: o.format,
    table: o.table,
    from: o.from,
    to: o.to,
    path: o.out === '-' ? '/dev/stdout' : o.out,
    gzip: o.gzip,
  });
  return { events, seconds: (performance.now() - started) / 1000 };
}
