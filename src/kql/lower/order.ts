/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { SortKey, Tabular } from '../ir.js';
import type { Lowering } from './lowering.js';
import { items, kindOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** sort, top and take. */

/** A sort key; Kusto's defaults: descending, nulls last when descending and first when ascending. */
export function sortKey(lw: Lowering, e: any): SortKey {
  const ordered = kindOf(e) === 'OrderedExpression';
  const expr = lw.scalar(ordered ? e.Expression : e);
  const dir = ordered ? String(e.Ordering?.AscOrDescKeyword?.Text ?? '').toLowerCase() : '';
  const desc = dir !== 'asc';
  const nulls = ordered ? String(e.Ordering?.NullsClause?.FirstOrLastKeyword?.Text ?? '').toLowerCase() : '';
  return { expr, desc, nullsFirst: nulls ? nulls === 'first' : !desc };
}

export function sort(lw: Lowering, input: Tabular, n: any): Tabular {
  return { kind: 'sort', input, keys: items(n.Expressions).map((e) => sortKey(lw, e)) };
}

export function take(lw: Lowering, input: Tabular, n: any): Tabular {
  return { kind: 'take', input, count: Number((lw.scalar(n.Expression) as { value: number }).value) };
}

/** top N by key: a sort, then a take; the count must be a constant. */
export function top(lw: Lowering, input: Tabular, n: any): Tabular {
  const count = lw.scalar(n.Expression);
  if (count.kind !== 'literal' || typeof count.value !== 'number')
    throw new UnsupportedError('top with a count that is not a constant', n.TextStart);
  return {
    kind: 'take',
    input: { kind: 'sort', input, keys: [sortKey(lw, n.ByExpression)] },
    count: count.value,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
