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
    name: 'array_concat',
    // One array of all the arrays' elements; null when an argument is not an array.
    sql: (c, s) => {
      const arrays = s.args.map((x) => c.as(x, 'dynamic'));
      const all = arrays.map((a) => `json_type(${a}) = 'ARRAY'`).join(' AND ');
      return `(CASE WHEN ${all} THEN to_json(flatten([${arrays.map((a) => `CAST(${a} AS JSON[])`).join(', ')}])) END)`;
    },
  },
  {
    name: 'array_reverse',
    sql: (_c, _s, a) =>
      `(CASE WHEN json_type(${a[0]}) = 'ARRAY' THEN to_json(list_reverse(CAST(${a[0]} AS JSON[]))) END)`,
  },
  {
    name: 'array_sum',
    // A real; null when an element is not a number.
    sql: (_c, _s, a) => {
      const items = `CAST(${a[0]} AS JSON[])`;
      return `(CASE WHEN json_type(${a[0]}) = 'ARRAY' AND list_bool_and(list_transform(${items}, e -> json_type(e) IN ('BIGINT', 'UBIGINT', 'DOUBLE')))
        THEN coalesce(list_sum(list_transform(${items}, e -> e::DOUBLE)), 0) END)`;
    },
  },
  {
    name: 'array_index_of',
    // array_index_of(array, value[, start[, length[, occurrence]]]): the position of the
    // occurrence-th element equal to value among `length` elements from `start` (negative: from
    // the end; length -1: to the end), -1 if there is none; null for a length below -1 or an
    // occurrence below 0.
    sql: (c, s, a) => {
      const n = `json_array_length(${a[0]})::BIGINT`;
      const arg = (i: number, fallback: string): string =>
        i < s.args.length ? c.as(s.args[i], 'long') : fallback;
      const start0 = arg(2, '0');
      const start = `(CASE WHEN ${start0} < 0 THEN greatest(${n} + ${start0}, 0) ELSE ${start0} END)`;
      const length = arg(3, '-1');
      const occurrence = arg(4, '1');
      const end = `(CASE WHEN ${length} = -1 THEN ${n} ELSE least(${start} + ${length}, ${n}) END)`;
      const hits = `list_filter(range(${start}::BIGINT, ${end}::BIGINT), i -> (CAST(${a[0]} AS JSON[]))[i + 1] = ${c.as(s.args[1], 'dynamic')})`;
      return `(CASE WHEN json_type(${a[0]}) <> 'ARRAY' OR ${length} < -1 OR ${occurrence} < 0 THEN NULL
        ELSE coalesce((${hits})[greatest(${occurrence}, 1)], -1) END)`;
    },
  },
  {
    name: 'set_has_element',
    sql: (c, s, a) =>
      `(CASE WHEN json_type(${a[0]}) = 'ARRAY' THEN list_contains(CAST(${a[0]} AS JSON[]), ${c.as(s.args[1], 'dynamic')}) END)`,
  },
  {
    name: 'bag_keys',
    sql: (_c, _s, a) => `(CASE WHEN json_type(${a[0]}) = 'OBJECT' THEN to_json(json_keys(${a[0]})) END)`,
  },
  {
    name: 'bag_merge',
    // On a key in several bags, the first bag's value wins.
    sql: (c, s) => {
      const bags = s.args.map((x) => c.as(x, 'dynamic'));
      // The last bag patched by each one before it, so the first bag's values win (the order of
      // the keys is not Kusto's: a bag's keys have none).
      const merged = bags.reduceRight((acc, b) => `json_merge_patch(${acc}, ${b})`);
      return `(CASE WHEN ${bags.map((b) => `json_type(${b}) = 'OBJECT'`).join(' AND ')} THEN ${merged} END)`;
    },
  },
  {
    name: 'bag_remove_keys',
    // Top-level keys, given as a constant array (a key path such as "$.a.b" is refused).
    sql: (c, s, a) => {
      const keys = arrayElements(s.args[1], 'bag_remove_keys()').map((k) => {
        if (k.kind !== 'literal' || typeof k.value !== 'string' || k.value.startsWith('$'))
          throw new UnsupportedError('bag_remove_keys() with keys that are not top-level names');
        return k.value;
      });
      const patch = c.string(JSON.stringify(Object.fromEntries(keys.map((k) => [k, null]))));
      return `(CASE WHEN json_type(${a[0]}) = 'OBJECT' THEN json_merge_patch(${a[0]}, ${patch}::JSON) END)`;
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
