import type { Value } from '../store/store.js';

/** Output formats of `vnetflow sql` and `vnetflow query`. */
export type OutputFormat = 'table' | 'csv' | 'json' | 'ndjson';

/** How one column's values are written: as text (table, CSV) and as JSON. */
export interface CellEncoder {
  text(v: Value): string;
  json(v: Value): unknown;
}

/** A result to print: named columns, each with its encoder, and rows. */
export interface Printable {
  readonly columns: readonly { readonly name: string }[];
  readonly rows: readonly Value[][];
}

/** SQL results: values as DuckDB gives them; big integers as strings in JSON. */
export const plainCells: CellEncoder = { text, json: jsonable };

/**
 * Renders a result as an aligned text table, CSV, a JSON array of objects, or one JSON object
 * per line (ndjson). `cells` encodes each column's values (one encoder for all, or one per column).
 */
export function render(
  t: Printable,
  format: OutputFormat,
  cells: CellEncoder | readonly CellEncoder[] = plainCells,
): string {
  const enc = (i: number): CellEncoder =>
    Array.isArray(cells) ? (cells as CellEncoder[])[i] : (cells as CellEncoder);
  const object = (r: readonly Value[]): Record<string, unknown> =>
    Object.fromEntries(t.columns.map((c, i) => [c.name, enc(i).json(r[i])]));
  if (format === 'json') return JSON.stringify(t.rows.map(object), null, 2);
  if (format === 'ndjson') return t.rows.map((r) => JSON.stringify(object(r))).join('\n');
  const textRow = (r: readonly Value[]): string[] => r.map((v, i) => enc(i).text(v));
  if (format === 'csv')
    return [t.columns.map((c) => csvCell(c.name)), ...t.rows.map((r) => textRow(r).map(csvCell))]
      .map((l) => l.join(','))
      .join('\n');
  const rows = [t.columns.map((c) => c.name), ...t.rows.map(textRow)];
  const widths = t.columns.map((_, i) => Math.min(60, Math.max(...rows.map((row) => row[i].length))));
  const line = (row: string[]): string =>
    row
      .map((c, i) => (c.length > widths[i] ? c.slice(0, widths[i] - 1) + '…' : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(rows[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    `(${t.rows.length} row${t.rows.length === 1 ? '' : 's'})`,
  ].join('\n');
}

function text(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(jsonable(v));
  return String(v);
}

function jsonable(v: Value): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return v.map(jsonable);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonable(x)]));
  return v;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
