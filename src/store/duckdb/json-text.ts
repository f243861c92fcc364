/**
 * JSON events written as text by SQL. DuckDB's JSON writer (COPY ... FORMAT JSON) turns each row's
 * structs into JSON at about 220k events a second on this machine, which is most of an export's
 * time; concatenating the same JSON as text in the query and writing the lines with the CSV writer
 * (no quoting, no delimiter in the text) is three times faster. An event is described once as a
 * tree of these nodes, and `jsonText` makes the SQL expression of its text: constants are folded
 * into literals at build time, data strings are escaped by to_json, NULL becomes null.
 */
export type JsonSql =
  /** A string from the data: escaped (to_json). */
  | { readonly str: string }
  /**
   * A string vnetflow formats itself that never needs escaping (times from strftime, CASE
   * constants, base64): quoted as it is.
   */
  | { readonly text: string }
  /** A number or boolean. */
  | { readonly num: string }
  /** An expression that is JSON text already (to_json of a list, a JSON column). */
  | { readonly json: string }
  /** A constant. */
  | { readonly lit: unknown }
  /** An object; null when `when` (SQL) is false. */
  | { readonly obj: Readonly<Record<string, JsonSql>>; readonly when?: string }
  | { readonly arr: readonly JsonSql[] };

export const str = (sql: string): JsonSql => ({ str: sql });
export const text = (sql: string): JsonSql => ({ text: sql });
export const num = (sql: string): JsonSql => ({ num: sql });
export const json = (sql: string): JsonSql => ({ json: sql });
export const lit = (value: unknown): JsonSql => ({ lit: value });
export const obj = (fields: Readonly<Record<string, JsonSql>>, when?: string): JsonSql =>
  when === undefined ? { obj: fields } : { obj: fields, when };
export const arr = (items: readonly JsonSql[]): JsonSql => ({ arr: items });

/** A piece of the text: a constant, or SQL whose value is never NULL. */
type Part = { readonly lit: string } | { readonly sql: string };

function parts(v: JsonSql): Part[] {
  if ('lit' in v) return [{ lit: JSON.stringify(v.lit) ?? 'null' }];
  if ('str' in v) return [{ sql: `coalesce(to_json(${v.str})::VARCHAR, 'null')` }];
  if ('text' in v) return [{ sql: `coalesce('"' || (${v.text}) || '"', 'null')` }];
  if ('num' in v) return [{ sql: `coalesce(CAST(${v.num} AS VARCHAR), 'null')` }];
  if ('json' in v) return [{ sql: `coalesce((${v.json})::VARCHAR, 'null')` }];
  if ('arr' in v)
    return [
      { lit: '[' },
      ...v.arr.flatMap((x, i) => [...(i ? [{ lit: ',' }] : []), ...parts(x)]),
      { lit: ']' },
    ];
  const inner: Part[] = [
    { lit: '{' },
    ...Object.entries(v.obj).flatMap(([k, x], i) => [
      { lit: `${i ? ',' : ''}${JSON.stringify(k)}:` },
      ...parts(x),
    ]),
    { lit: '}' },
  ];
  return v.when === undefined
    ? inner
    : [{ sql: `CASE WHEN ${v.when} THEN ${concat(inner)} ELSE 'null' END` }];
}

/** concat() of the parts, adjacent constants merged into one literal. */
function concat(ps: readonly Part[]): string {
  const merged: Part[] = [];
  for (const p of ps) {
    const last = merged[merged.length - 1];
    if ('lit' in p && last && 'lit' in last) merged[merged.length - 1] = { lit: last.lit + p.lit };
    else merged.push(p);
  }
  const sql = merged.map((p) => ('lit' in p ? `'${p.lit.replace(/'/g, "''")}'` : p.sql));
  return sql.length === 1 ? sql[0] : `concat(${sql.join(', ')})`;
}

/** The SQL expression (VARCHAR) of the value's JSON text. */
export function jsonText(v: JsonSql): string {
  return concat(parts(v));
}

/**
 * COPY options that write one VARCHAR column as it is, a line per row: the CSV writer with no
 * header, no quoting and a delimiter that JSON text never holds raw (to_json escapes U+0001).
 */
export const LINES_COPY = `FORMAT CSV, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01'`;
