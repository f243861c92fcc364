import type { TableDef } from './column.js';
import { alerts } from './alerts.js';
import { flowTuples } from './flow-tuples.js';
import { ingestErrors } from './ingest-errors.js';
import { ipAddressSpellings } from './ip-spellings.js';
import { flows, ntaIpDetails, ntaNetAnalytics, ntaTopologyDetails } from './analytics-tables.js';
import { azureNetworkAnalytics } from './legacy-tables.js';
import { dnsQueryLogs, threatIntelFeed } from './reference-tables.js';
import { threatIntelIndicators, threatIntelligenceIndicator } from './sentinel-tables.js';

/** Every user-facing table, in creation order (views after the tables they read). */
export const tables: readonly TableDef[] = [
  flowTuples,
  ingestErrors,
  ipAddressSpellings,
  dnsQueryLogs,
  threatIntelFeed,
  ntaNetAnalytics,
  ntaIpDetails,
  ntaTopologyDetails,
  flows,
  alerts,
  threatIntelIndicators,
  threatIntelligenceIndicator,
  azureNetworkAnalytics,
];

/** Quotes an identifier for SQL. Names come from this schema only, never from user input. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A column's definition in DDL: name, type and default. */
function columnDdl(c: TableDef['columns'][number]): string {
  return `${ident(c.name)} ${c.type}${c.default === undefined ? '' : ` DEFAULT ${c.default}`}`;
}

/** CREATE TABLE IF NOT EXISTS for one table definition. */
export function createTableSql(table: TableDef): string {
  const cols = table.columns.map((c) => `  ${columnDdl(c)}`).join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${ident(table.name)} (\n${cols}\n)`;
}

/**
 * Adds the columns a table written by an earlier vnetflow lacks (new columns go last in a
 * definition, so the order stays the definition's); a no-op on a table that has them all.
 */
export function addMissingColumnsSql(table: TableDef, present: ReadonlySet<string>): string[] {
  return table.columns
    .filter((c) => !present.has(c.name))
    .map((c) => `ALTER TABLE ${ident(table.name)} ADD COLUMN ${columnDdl(c)}`);
}

/** The contract column names of a table (internal bookkeeping columns left out). */
export function publicColumns(table: TableDef): string[] {
  return table.columns.filter((c) => !c.internal).map((c) => c.name);
}
