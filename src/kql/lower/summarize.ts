/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Aggregate, NamedScalar, Scalar, Tabular } from '../ir.js';
import { placeAt, positionOf } from '../ir.js';
import { isAggregate, isScalarFunction } from '../functions/registry.js';
import type { Lowering } from './lowering.js';
import { columnNames, items, kindOf, typeOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/**
 * summarize: the aggregates are computed by group; an output that wraps them in scalar functions
 * (`round(sum(x), 3)`) is computed after, from the aggregates' columns. `arg_max(x, *)` and
 * `arg_min(x, *)` keep the whole row of the greatest (least) x per group.
 */
export function summarize(lw: Lowering, input: Tabular, n: any): Tabular {
  const aggs = items(n.Aggregates);
  const by = n.ByClause ? items(n.ByClause.Expressions) : [];
  const names = columnNames(n); // the by columns first, then the aggregates
  const byCols = by.map((e, i) => lw.named(e, names[i]));
  const best = aggs.length === 1 ? argBest(lw, input, aggs[0], byCols, names, by.length) : null;
  if (best) return best;
  const aggregates: Aggregate[] = [];
  const outputs: NamedScalar[] = [];
  let next = by.length; // the analyzer's name of the next output column
  aggs.forEach((a) => {
    const expr = kindOf(a) === 'SimpleNamedExpression' ? a.Expression : a;
    // percentiles(x, 50, 95) is one percentile column per percentage.
    if (
      kindOf(expr) === 'FunctionCallExpression' &&
      String(expr.Name.SimpleName).toLowerCase() === 'percentiles'
    ) {
      const [x, ...ps] = items(expr.ArgumentList.Expressions).map((e) => lw.scalar(e));
      for (const p of ps) {
        const name = names[next++];
        const inner = `__agg${aggregates.length}`;
        aggregates.push(
          placeAt({ name: inner, fn: 'percentile', args: [x, p], type: x.type }, expr.TextStart),
        );
        outputs.push({ name, expr: { kind: 'column', name: inner, type: x.type } });
      }
      return;
    }
    const name = names[next++];
    lw.aggregateCalls = (call: any, fn: string): Scalar => {
      const inner = `__agg${aggregates.length}`;
      const saved = lw.aggregateCalls;
      lw.aggregateCalls = null; // no aggregate inside an aggregate
      try {
        aggregates.push(
          placeAt(
            {
              name: inner,
              fn,
              args: items(call.ArgumentList.Expressions).map((e) => lw.scalar(e)),
              type: typeOf(call),
            },
            call.TextStart,
          ),
        );
      } finally {
        lw.aggregateCalls = saved;
      }
      return { kind: 'column', name: inner, type: typeOf(call) };
    };
    try {
      // A top-level call that is neither an aggregate nor a scalar function is named as an aggregate.
      const top =
        kindOf(expr) === 'FunctionCallExpression' ? String(expr.Name.SimpleName).toLowerCase() : null;
      if (top && !isAggregate(top) && !isScalarFunction(top))
        throw new UnsupportedError(`the aggregate ${top}()`, expr.TextStart);
      outputs.push({ name, expr: lw.scalar(expr) });
    } finally {
      lw.aggregateCalls = null;
    }
  });
  const grouped: Tabular = { kind: 'summarize', input, aggregates, by: byCols };
  // The common case, aggregates as they are, needs no second step.
  if (outputs.every((o, i) => o.expr.kind === 'column' && o.expr.name === `__agg${i}`))
    return {
      ...grouped,
      aggregates: aggregates.map((a, i) => placeAt({ ...a, name: outputs[i].name }, positionOf(a))),
    };
  const pass = byCols.map((b): NamedScalar => ({
    name: b.name,
    expr: { kind: 'column', name: b.name, type: b.expr.type },
  }));
  return { kind: 'project', input: grouped, columns: [...pass, ...outputs] };
}

/**
 * `summarize arg_max(x, *) by k`: the whole row with the greatest x in each group;
 * `arg_max(x, a, b)`: x, a and b of that row (computed as columns first, named as the analyzer does).
 */
function argBest(
  lw: Lowering,
  input: Tabular,
  a: any,
  by: NamedScalar[],
  names: string[],
  byCount: number,
): Tabular | null {
  const call = kindOf(a) === 'SimpleNamedExpression' ? a.Expression : a;
  if (kindOf(call) !== 'FunctionCallExpression') return null;
  const fn = String(call.Name.SimpleName).toLowerCase();
  if (fn !== 'arg_max' && fn !== 'arg_min') return null;
  const args = items(call.ArgumentList.Expressions);
  const max = fn === 'arg_max';
  if (args.some((x) => kindOf(x) === 'StarExpression')) {
    if (args.length !== 2 || kindOf(args[1]) !== 'StarExpression')
      throw new UnsupportedError(`${fn}() with * and other arguments`, a.TextStart);
    if (call === a) return { kind: 'argBest', input, by, expr: lw.scalar(args[0]), max, columns: names };
    // `Latest = arg_max(T, *)`: the maximized value under its new name, then the row's columns.
    const renamed: NamedScalar = { name: names[byCount], expr: lw.scalar(args[0]) };
    const expr: Scalar = { kind: 'column', name: renamed.name, type: renamed.expr.type };
    return {
      kind: 'argBest',
      input: { kind: 'extend', input, columns: [renamed] },
      by,
      expr,
      max,
      columns: names,
    };
  }
  if (call !== a || args.some((x) => kindOf(x) === 'SimpleNamedExpression'))
    throw new UnsupportedError(`${fn}() with renamed outputs`, a.TextStart);
  const outputs = args.map((x, i): NamedScalar => ({ name: names[byCount + i], expr: lw.scalar(x) }));
  const extended: Tabular = { kind: 'extend', input, columns: outputs };
  const expr: Scalar = { kind: 'column', name: outputs[0].name, type: outputs[0].expr.type };
  return { kind: 'argBest', input: extended, by, expr, max, columns: names };
}

/* eslint-enable @typescript-eslint/no-explicit-any */
