import type { Scalar } from '../ir.js';
import { UnsupportedError } from '../lower/unsupported.js';
import { aliases, type ScalarFunction } from './function.js';

/** Arrays and property bags (dynamic values, JSON in SQL). */
export const DYNAMIC_FUNCTIONS: readonly ScalarFunction[] = [
  { name: 'pack_array', sql: (c, s) => `json_array(${s.args.map((x) => c.as(x, 'dynamic')).join(', ')})` },
  ...aliases(['pack', 'bag_pack'], {
    sql: (c, s) => {
      const pairs: string[] = [];
      for (let i = 0; i + 1 < s.args.length; i += 2)
        pairs.push(`${c.as(s.args[i], 'string')}, ${c.as(s.args[i + 1], 'dynamic')}`);
      return `json_object(${pairs.join(', ')})`;
    },
  }),
  {
    name: 'set_union',
    // The distinct elements of all the arrays, sorted (Kusto leaves the order unspecified).
    sql: (c, s) => {
      const lists = s.args.map((x) => `CAST(${c.as(x, 'dynamic')} AS JSON[])`);
      return `to_json(list_sort(list_distinct(flatten([${lists.join(', ')}]))))`;
    },
  },
  {
    name: 'array_slice',
    // Elements start..end, both inclusive, negative ones counting from the end; empty when the
    // range holds none, null when the value is not an array.
    sql: (c, s, a) => {
      const list = `CAST(${a[0]} AS JSON[])`;
      const n = `json_array_length(${a[0]})`;
      const at = (i: string): string => `(CASE WHEN (${i}) < 0 THEN ${n} + (${i}) ELSE (${i}) END)`;
      const [from, to] = [
        `greatest(${at(c.as(s.args[1], 'long'))}, 0)`,
        `least(${at(c.as(s.args[2], 'long'))}, ${n} - 1)`,
      ];
      return `(CASE WHEN json_type(${a[0]}) = 'ARRAY' THEN to_json(CASE WHEN ${from} <= ${to} THEN list_slice(${list}, ${from} + 1, ${to} + 1) ELSE []::JSON[] END) END)`;
    },
  },
  {
    name: 'strcat_array',
    // The elements as text (a string without its quotes), joined by the delimiter; "" when the
    // value is not an array.
    sql: (c, s, a) =>
      `coalesce(CASE WHEN json_type(${a[0]}) = 'ARRAY' THEN array_to_string(list_transform(CAST(${a[0]} AS JSON[]), e -> coalesce(json_extract_string(e, '$'), '')), ${c.as(s.args[1], 'string')}) END, '')`,
  },
  ...aliases(['array_length', 'arraylength'], {
    sql: (_c, _s, a) =>
      `(CASE WHEN json_type(${a[0]}) = 'ARRAY' THEN json_array_length(${a[0]})::BIGINT END)`,
  }),
];

/**
 * The elements of a constant dynamic array (a `dynamic([...])` literal, often through a `let`), as
 * typed literals: what `in` and ipv4_is_in_any_range() spread a dynamic argument into.
 */
export function arrayElements(v: Scalar, where: string): Scalar[] {
  if (v.kind !== 'literal' || typeof v.value !== 'string')
    throw new UnsupportedError(`${where} with a dynamic array that is not a constant`);
  const parsed: unknown = JSON.parse(v.value);
  return (Array.isArray(parsed) ? parsed : [parsed]).flatMap((e): Scalar[] => {
    if (e === null) return [];
    if (typeof e === 'string') return [{ kind: 'literal', type: 'string', value: e }];
    if (typeof e === 'boolean') return [{ kind: 'literal', type: 'bool', value: e }];
    if (typeof e === 'number')
      return [{ kind: 'literal', type: Number.isInteger(e) ? 'long' : 'real', value: e }];
    throw new UnsupportedError(`${where} with an array holding arrays or property bags`);
  });
}
