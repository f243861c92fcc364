import type { KqlType } from '../ir.js';
import { UnsupportedError } from '../lower/unsupported.js';
import type { AggregateFunction, SqlContext } from './function.js';

/**
 * sum() and sumif() (`filter` its FILTER clause): 0 over no values; timespans summed in
 * microseconds. Kusto's sum of longs is a long; DuckDB widens to HUGEINT. Over no values it is 0
 * (Kusto's default for sum, sumif, variance and stdev), where SQL's is NULL.
 */
function sumOf(c: SqlContext, x: string, type: KqlType, filter: string): string {
  if (type === 'timespan')
    return c.fromMicroseconds(`coalesce(sum(${c.microseconds(x)})${filter}, 0)::BIGINT`);
  return `coalesce(CAST(sum(${x})${filter} AS ${c.sqlType(type)}), 0)`;
}

const where = (predicate: string): string => ` FILTER (WHERE ${predicate})`;

/**
 * make_set, make_list and their _if forms: a JSON array; nulls are left out, as Kusto does. Sets
 * are sorted, so results repeat (and a capped set keeps its smallest values). The _if forms take
 * a predicate second; an optional last argument caps the size.
 */
function collect(name: string, set = name.startsWith('make_set')): AggregateFunction {
  return {
    name,
    sql: (c, args, a) => {
      const conditional = name.endsWith('_if');
      const limitArg = args[conditional ? 2 : 1];
      if (limitArg && (limitArg.kind !== 'literal' || typeof limitArg.value !== 'number'))
        throw new UnsupportedError(`${name}() with a size limit that is not a constant`);
      const v = c.as(args[0], 'dynamic');
      const keep = `${a[0]} IS NOT NULL${conditional ? ` AND (${a[1]})` : ''}`;
      const list = set
        ? `list(DISTINCT ${v} ORDER BY ${v}) FILTER (WHERE ${keep})`
        : `list(${v}) FILTER (WHERE ${keep})`;
      const capped = limitArg
        ? `list_slice(${list}, 1, ${Math.max(0, Math.floor(Number(limitArg.value)))})`
        : list;
      return `coalesce(to_json(${capped}), '[]'::JSON)`;
    },
  };
}

/** The aggregates of summarize (and make-series). */
export const AGGREGATE_FUNCTIONS: readonly AggregateFunction[] = [
  { name: 'count', sql: () => 'count(*)' },
  { name: 'countif', sql: (_c, _args, a) => `count(*)${where(a[0])}` },
  { name: 'sum', sql: (c, _args, a, type) => sumOf(c, a[0], type, '') },
  { name: 'sumif', sql: (c, _args, a, type) => sumOf(c, a[0], type, where(a[1])) },
  { name: 'min', sql: (_c, _args, a) => `min(${a[0]})` },
  { name: 'max', sql: (_c, _args, a) => `max(${a[0]})` },
  { name: 'minif', sql: (_c, _args, a) => `min(${a[0]})${where(a[1])}` },
  { name: 'maxif', sql: (_c, _args, a) => `max(${a[0]})${where(a[1])}` },
  { name: 'avg', sql: (_c, _args, a) => `avg(${a[0]})` },
  { name: 'avgif', sql: (_c, _args, a) => `avg(${a[0]})${where(a[1])}` },
  // Exact, where Kusto estimates: never further from the truth than Kusto's answer.
  { name: 'dcount', sql: (_c, _args, a) => `count(DISTINCT ${a[0]})` },
  { name: 'dcountif', sql: (_c, _args, a) => `count(DISTINCT ${a[0]})${where(a[1])}` },
  { name: 'take_any', sql: (_c, _args, a) => `any_value(${a[0]})` },
  collect('make_set'),
  collect('make_list'),
  collect('make_set_if'),
  collect('make_list_if'),
  // Their deprecated spellings, still in published queries (Microsoft's own TA samples).
  collect('makeset', true),
  collect('makelist', false),
  {
    name: 'make_bag',
    // The properties of every bag in the group, merged; values that are not bags are skipped.
    sql: (_c, args, a) => {
      if (args.length > 1) throw new UnsupportedError('make_bag() with a size limit');
      return `coalesce(list_reduce(list(${a[0]}) FILTER (WHERE json_type(${a[0]}) = 'OBJECT'), (x, y) -> json_merge_patch(x, y)), '{}'::JSON)`;
    },
  },
  { name: 'stdev', sql: (_c, _args, a) => `coalesce(stddev_samp(${a[0]}), 0)` },
  { name: 'stdevif', sql: (_c, _args, a) => `coalesce(stddev_samp(${a[0]})${where(a[1])}, 0)` },
  { name: 'stdevp', sql: (_c, _args, a) => `stddev_pop(${a[0]})` },
  { name: 'variance', sql: (_c, _args, a) => `coalesce(var_samp(${a[0]}), 0)` },
  { name: 'varianceif', sql: (_c, _args, a) => `coalesce(var_samp(${a[0]})${where(a[1])}, 0)` },
  { name: 'variancep', sql: (_c, _args, a) => `var_pop(${a[0]})` },
  {
    name: 'percentile',
    // Nearest rank, exactly (Kusto estimates it with a t-digest): always one of the values.
    sql: (_c, args, a) => {
      const p = args[1];
      if (p.kind !== 'literal' || typeof p.value !== 'number' || p.value < 0 || p.value > 100)
        throw new UnsupportedError('percentile() with a percentage that is not a constant from 0 to 100', 0);
      return `quantile_disc(${a[0]}, ${p.value / 100})`;
    },
  },
];
