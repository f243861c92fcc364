import type { TableDef } from './column.js';
import { alerts } from './alerts.js';
import { flowTuples } from './flow-tuples.js';
import { ingestErrors } from './ingest-errors.js';
import { ipAddressSpellings } from './ip-spellings.js';
import { flows, ntaIpDetails, ntaNetAnalytics, ntaTopologyDetails } from './analytics-tables.js';
import { dnsQueryLogs, threatIntelIndicators } from './reference-tables.js';

/** Every user-facing table, in creation order. */
export const tables: readonly TableDef[] = [
  flowTuples,
  ingestErrors,
  ipAddressSpellings,
  dnsQueryLogs,
  threatIntelIndicators,
  ntaNetAnalytics,
  ntaIpDetails,
  ntaTopologyDetails,
  flows,
  alerts,
];

/** Quotes an identifier for SQL. Names come from this schema only, never from user input. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** CREATE TABLE IF NOT EXISTS for one table definition. */
export function createTableSql(table: TableDef): string {
  const cols = table.columns.map((c) => `  ${ident(c.name)} ${c.type}`).join(',\n');
  return `CREATE TABLE IF NOT EXISTS ${ident(table.name)} (\n${cols}\n)`;
}

/** The contract column names of a table (internal bookkeeping columns left out). */
export function publicColumns(table: TableDef): string[] {
  return table.columns.filter((c) => !c.internal).map((c) => c.name);
}
