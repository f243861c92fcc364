import type { Table, Value } from '../store/store.js';

/** Output formats of `vnetflow sql`. */
export type OutputFormat = 'table' | 'csv' | 'json';

/** Renders a result as an aligned text table, CSV, or a JSON array of objects. */
export function render(t: Table, format: OutputFormat): string {
  if (format === 'json')
    return JSON.stringify(
      t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c.name, jsonable(r[i])]))),
      null,
      2,
    );
  if (format === 'csv')
    return [t.columns.map((c) => csvCell(c.name)), ...t.rows.map((r) => r.map((v) => csvCell(text(v))))]
      .map((l) => l.join(','))
      .join('\n');
  const cells = [t.columns.map((c) => c.name), ...t.rows.map((r) => r.map(text))];
  const widths = t.columns.map((_, i) => Math.min(60, Math.max(...cells.map((row) => row[i].length))));
  const line = (row: string[]): string =>
    row
      .map((c, i) => (c.length > widths[i] ? c.slice(0, widths[i] - 1) + '…' : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
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
