/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Scalar, Tabular } from '../ir.js';
import type { Lowering } from './lowering.js';
import { items, resultColumns } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** `datatable(a:string, b:long) ["x", 1, ...]`: rows of constants, typed by the schema. */
export function dataTable(lw: Lowering, n: any): Tabular {
  const columns = resultColumns(n);
  const values = items(n.Values).map((e) => lw.scalar(e));
  if (columns.length === 0 || values.length % columns.length !== 0)
    throw new UnsupportedError('a datatable whose values do not fill its rows', n.TextStart);
  const rows: Scalar[][] = [];
  for (let i = 0; i < values.length; i += columns.length) rows.push(values.slice(i, i + columns.length));
  return { kind: 'rows', columns, rows };
}

/** `print x = 1, "a"`: one row of scalar expressions, named as the analyzer names them. */
export function print(lw: Lowering, n: any): Tabular {
  const columns = resultColumns(n);
  const exprs = items(n.Expressions);
  return { kind: 'rows', columns, rows: [exprs.map((e) => lw.named(e, '').expr)] };
}

/* eslint-enable @typescript-eslint/no-explicit-any */
