/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Scalar, Tabular } from '../ir.js';
import { placeAt } from '../ir.js';
import { isAggregate } from '../functions/registry.js';
import type { Lowering } from './lowering.js';
import { columnNames, items, kindOf, parameters, typeOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/**
 * make-series Aggregate [default=d], ... on Axis from a to b step s by ...: the aggregates as the
 * summarize ones (numeric, Kusto's rule), each absent bin filled with its default (0 unless given).
 * The `in range()` form and kind=nonempty are refused.
 */
export function makeSeries(lw: Lowering, input: Tabular, n: any): Tabular {
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName ?? '').toLowerCase();
    if (!name.startsWith('hint.')) throw new UnsupportedError(`make-series ${name}=`, p.TextStart);
  }
  const range = n.RangeClause;
  if (kindOf(range) !== 'MakeSeriesFromToStepClause')
    throw new UnsupportedError(
      'make-series with `in range()` (use from, to and step)',
      range?.TextStart ?? n.TextStart,
    );
  const names = columnNames(n); // the by columns, the aggregates, then the axis
  const by = n.ByClause ? items(n.ByClause.Expressions) : [];
  const aggregates = items(n.Aggregates).map((m, i) => {
    const expr = kindOf(m.Expression) === 'SimpleNamedExpression' ? m.Expression.Expression : m.Expression;
    const fn = kindOf(expr) === 'FunctionCallExpression' ? String(expr.Name.SimpleName).toLowerCase() : '';
    if (!isAggregate(fn))
      throw new UnsupportedError('a make-series column that is not one aggregate call', expr.TextStart);
    const type = typeOf(expr);
    if (!['long', 'int', 'real', 'decimal'].includes(type))
      throw new UnsupportedError(`make-series of ${fn}(), whose values are not numbers`, expr.TextStart);
    const fill: Scalar = m.DefaultExpression
      ? lw.scalar(m.DefaultExpression.Expression)
      : { kind: 'literal', type: 'long', value: 0 };
    return placeAt(
      {
        name: names[by.length + i],
        fn,
        args: items(expr.ArgumentList.Expressions).map((e) => lw.scalar(e)),
        type,
        fill,
      },
      expr.TextStart,
    );
  });
  const axis = lw.scalar(n.OnClause.Expression);
  if (axis.type !== 'datetime')
    throw new UnsupportedError(`make-series on an axis of type ${axis.type}`, n.OnClause.TextStart);
  const bound = (clause: any): Scalar | null => (clause ? lw.scalar(clause.Expression) : null);
  return {
    kind: 'makeSeries',
    input,
    aggregates,
    axis: { name: names[names.length - 1], expr: axis },
    from: bound(range.MakeSeriesFromClause),
    to: bound(range.MakeSeriesToClause),
    step: lw.scalar(range.MakeSeriesStepClause.Expression),
    by: by.map((e, i) => lw.named(e, names[i])),
  };
}

/* eslint-enable @typescript-eslint/no-explicit-any */
