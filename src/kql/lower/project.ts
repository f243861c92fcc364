/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { NamedScalar, Tabular } from '../ir.js';
import type { Lowering } from './lowering.js';
import { columnNames, items, kindOf, resultColumns } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** project and its kin (project-away, -keep, -reorder, -rename), extend, serialize and distinct. */

/** The columns of the operator's output, each read from the input column of the same name. */
export function passThrough(input: Tabular, n: any, renamed = new Map<string, string>()): Tabular {
  const columns = resultColumns(n).map((c): NamedScalar => ({
    name: c.name,
    expr: { kind: 'column', name: renamed.get(c.name) ?? c.name, type: c.type },
  }));
  return { kind: 'project', input, columns };
}

export function project(lw: Lowering, input: Tabular, n: any): Tabular {
  const out = columnNames(n);
  return { kind: 'project', input, columns: items(n.Expressions).map((e, i) => lw.named(e, out[i])) };
}

export function projectRename(_lw: Lowering, input: Tabular, n: any): Tabular {
  const renamed = new Map<string, string>();
  for (const e of items(n.Expressions))
    renamed.set(String(e.Name.SimpleName), String(e.Expression.SimpleName));
  return passThrough(input, n, renamed);
}

/**
 * extend (and serialize with columns): a named expression keeps its name (it may replace an input
 * column in place); an unnamed one takes the next name the analyzer added after the input's columns.
 */
export function extend(lw: Lowering, input: Tabular, n: any): Tabular {
  const out = columnNames(n);
  const before = new Set(lw.inputColumns(n));
  const added = out.filter((c) => !before.has(c));
  const columns = items(n.Expressions).map((e) =>
    kindOf(e) === 'SimpleNamedExpression'
      ? lw.named(e, String(e.Name.SimpleName))
      : lw.named(e, added.shift() ?? `Column${out.length}`),
  );
  return { kind: 'extend', input, columns };
}

export function distinct(lw: Lowering, input: Tabular, n: any): Tabular {
  const exprs = items(n.Expressions);
  if (exprs.some((e) => kindOf(e) === 'StarExpression'))
    throw new UnsupportedError('distinct *', n.TextStart);
  const names = columnNames(n);
  return { kind: 'distinct', input, columns: exprs.map((e, i) => lw.named(e, names[i])) };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
