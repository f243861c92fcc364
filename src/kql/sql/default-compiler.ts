import type { KqlType, Query, Scalar, Tabular } from '../ir.js';
import { UnsupportedError } from '../lower.js';
import { publicColumns, tables } from '../../schema/tables.js';
import { ipv4Range, sqlIpv4Number, sqlIsPrivate } from '../../enrich/ip.js';

/** String operators: how each compares two (case-folded unless _cs) texts, and whether it is negated. */
const STRING_OPS: Readonly<
  Record<string, { test: 'has' | ((x: string, y: string) => string); cs: boolean; negated: boolean }>
> = Object.fromEntries(
  (['contains', 'has', 'startswith', 'endswith', '=~'] as const).flatMap((name) =>
    (name === '=~' ? [false] : [false, true]).flatMap((cs) =>
      [false, true].map((negated) => [
        name === '=~' ? (negated ? '!~' : '=~') : `${negated ? '!' : ''}${name}${cs ? '_cs' : ''}`,
        {
          test: {
            contains: (x: string, y: string) => `contains(${x}, ${y})`,
            has: 'has' as const,
            startswith: (x: string, y: string) => `starts_with(${x}, ${y})`,
            endswith: (x: string, y: string) => `ends_with(${x}, ${y})`,
            '=~': (x: string, y: string) => `(${x} = ${y})`,
          }[name],
          cs,
          negated,
        },
      ]),
    ),
  ),
);

/** The SQL of a tabular node and the columns it yields, in order. */
interface Compiled {
  readonly sql: string;
  readonly columns: readonly string[];
}

/**
 * Compiles the IR to SQL. Kusto's semantics are made explicit here, in one place each: strings are
 * never null (a NULL string column reads as ''), long division truncates toward zero, sort and
 * take default to descending with nulls last. A dialect overrides only the protected hooks where
 * its SQL differs (see duckdb-compiler.ts).
 */
export abstract class DefaultCompiler {
  constructor(protected readonly now: Date) {}

  compile(q: Query): string {
    // The result, too, never holds a null string: an outer join's padding reads as "".
    const out = q.columns.map((c) =>
      c.type === 'string'
        ? `coalesce(${this.ident(c.name)}, '') AS ${this.ident(c.name)}`
        : this.ident(c.name),
    );
    return `SELECT ${out.join(', ')} FROM (${this.tabular(q.body).sql})`;
  }

  protected ident(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  protected string(value: string): string {
    return `'${value.replace(/'/g, "''")}'`;
  }

  protected abstract timestamp(iso: string): string;
  protected abstract interval(microseconds: number): string;
  protected abstract binTime(value: string, size: string): string;

  /** ipv4_is_in_range(ip, "a.b.c.d/n"): the prefix must be a constant (a literal or a scalar let). */
  protected ipv4InRange(ip: Scalar, range: Scalar): string {
    if (range.kind !== 'literal' || typeof range.value !== 'string')
      throw new UnsupportedError('ipv4_is_in_range() with a range that is not a constant', 0);
    const r = ipv4Range(range.value);
    // Kusto returns null for an invalid range or address.
    if (!r) return 'NULL';
    return `(${sqlIpv4Number(this.scalar(ip))} BETWEEN ${r.start} AND ${r.end})`;
  }

  protected tabular(t: Tabular): Compiled {
    switch (t.kind) {
      case 'table': {
        const def = tables.find((d) => d.name === t.name);
        if (!def) throw new UnsupportedError(`the table ${t.name}`, 0);
        const columns = publicColumns(def);
        return {
          sql: `SELECT ${columns.map((c) => this.ident(c)).join(', ')} FROM ${this.ident(t.name)}`,
          columns,
        };
      }
      case 'where': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT * FROM (${input.sql}) WHERE ${this.scalar(t.predicate)}`,
          columns: input.columns,
        };
      }
      case 'extend': {
        const input = this.tabular(t.input);
        const replaced = t.columns.filter((c) => input.columns.includes(c.name));
        const added = t.columns.filter((c) => !input.columns.includes(c.name));
        const replace = replaced.length
          ? ` REPLACE (${replaced.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')})`
          : '';
        const extra = added.map((c) => `, ${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join('');
        return {
          sql: `SELECT *${replace}${extra} FROM (${input.sql})`,
          columns: [...input.columns, ...added.map((c) => c.name)],
        };
      }
      case 'project': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT ${t.columns.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')} FROM (${input.sql})`,
          columns: t.columns.map((c) => c.name),
        };
      }
      case 'summarize': {
        const input = this.tabular(t.input);
        const by = t.by.map((b) => `${this.scalar(b.expr)} AS ${this.ident(b.name)}`);
        const aggs = t.aggregates.map(
          (a) => `${this.aggregate(a.fn, a.args, a.type)} AS ${this.ident(a.name)}`,
        );
        const group = t.by.length ? ` GROUP BY ${t.by.map((_, i) => i + 1).join(', ')}` : '';
        return {
          sql: `SELECT ${[...by, ...aggs].join(', ')} FROM (${input.sql})${group}`,
          columns: [...t.by.map((b) => b.name), ...t.aggregates.map((a) => a.name)],
        };
      }
      case 'sort': {
        const input = this.tabular(t.input);
        const keys = t.keys.map(
          (k) => `${this.scalar(k.expr)} ${k.desc ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`,
        );
        return { sql: `SELECT * FROM (${input.sql}) ORDER BY ${keys.join(', ')}`, columns: input.columns };
      }
      case 'take': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT * FROM (${input.sql}) LIMIT ${Math.max(0, Math.floor(t.count))}`,
          columns: input.columns,
        };
      }
      case 'distinct': {
        const input = this.tabular(t.input);
        return {
          sql: `SELECT DISTINCT ${t.columns.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')} FROM (${input.sql})`,
          columns: t.columns.map((c) => c.name),
        };
      }
      case 'join': {
        let left = this.tabular(t.input);
        if (t.join === 'innerunique') {
          const keys = t.on.map((k) =>
            k.type === 'string' ? `coalesce(${this.ident(k.left)}, '')` : this.ident(k.left),
          );
          left = {
            sql: `SELECT * EXCLUDE (__first) FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.join(', ')}) AS __first FROM (${left.sql})) WHERE __first = 1`,
            columns: left.columns,
          };
        }
        const right = this.tabular(t.right);
        // Keys compare as Kusto compares them: strings never null.
        const key = (side: string, name: string, type: KqlType): string =>
          type === 'string' ? `coalesce(${side}.${this.ident(name)}, '')` : `${side}.${this.ident(name)}`;
        const cond = t.on
          .map((k) => `${key('l', k.left, k.type)} = ${key('r', k.right, k.type)}`)
          .join(' AND ');
        if (t.join === 'leftsemi' || t.join === 'leftanti')
          return {
            sql: `SELECT l.* FROM (${left.sql}) l WHERE ${t.join === 'leftanti' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM (${right.sql}) r WHERE ${cond})`,
            columns: left.columns,
          };
        const rightCols = right.columns.map(
          (c, i) => `r.${this.ident(c)} AS ${this.ident(t.rightNames[i] ?? c)}`,
        );
        return {
          sql: `SELECT l.*, ${rightCols.join(', ')} FROM (${left.sql}) l ${t.join === 'leftouter' ? 'LEFT' : 'INNER'} JOIN (${right.sql}) r ON ${cond}`,
          columns: [...left.columns, ...right.columns.map((c, i) => t.rightNames[i] ?? c)],
        };
      }
      case 'argBest': {
        const input = this.tabular(t.input);
        const part = t.by.length ? `PARTITION BY ${t.by.map((b) => this.scalar(b.expr)).join(', ')}` : '';
        const order = `${this.scalar(t.expr)} ${t.max ? 'DESC' : 'ASC'} NULLS LAST`;
        // The by columns first (as named), then the row's columns, each once, in the analyzer's order.
        const byNames = new Set(t.by.map((b) => b.name));
        for (const c of t.columns)
          if (!byNames.has(c) && !input.columns.includes(c))
            throw new UnsupportedError(`the column ${c} of ${t.max ? 'arg_max' : 'arg_min'}()`, 0);
        const by = t.by.map((b) => `${this.scalar(b.expr)} AS ${this.ident(`__by_${b.name}`)}`);
        const cols = t.columns.map((c) =>
          byNames.has(c) ? `${this.ident(`__by_${c}`)} AS ${this.ident(c)}` : this.ident(c),
        );
        return {
          sql: `SELECT ${cols.join(', ')} FROM (SELECT *, ${[...by, `row_number() OVER (${part} ORDER BY ${order}) AS __rank`].join(', ')} FROM (${input.sql})) WHERE __rank = 1`,
          columns: t.columns,
        };
      }
      case 'mvExpand': {
        const input = this.tabular(t.input);
        const v = this.as(t.expr, 'dynamic');
        const name = this.ident(t.name);
        const place = input.columns.includes(t.name) ? `REPLACE (__mv AS ${name})` : `, __mv AS ${name}`;
        return {
          sql: `SELECT * EXCLUDE (__mv) ${place} FROM (SELECT *, unnest(${this.expansion(v)}) AS __mv FROM (${input.sql}))`,
          columns: input.columns.includes(t.name) ? input.columns : [...input.columns, t.name],
        };
      }
      case 'count': {
        const input = this.tabular(t.input);
        return { sql: `SELECT count(*) AS ${this.ident('Count')} FROM (${input.sql})`, columns: ['Count'] };
      }
      default: {
        const never: never = t;
        throw new Error(`unhandled IR node ${JSON.stringify(never)}`);
      }
    }
  }

  protected aggregate(fn: string, args: readonly Scalar[], type: KqlType): string {
    const a = args.map((x) => this.scalar(x));
    switch (fn) {
      case 'count':
        return 'count(*)';
      case 'sum':
        // Kusto's sum of longs is a long; DuckDB widens to HUGEINT.
        return `CAST(sum(${a[0]}) AS ${this.sqlType(type)})`;
      case 'min':
      case 'max':
        return `${fn}(${a[0]})`;
      case 'avg':
        return `avg(${a[0]})`;
      case 'countif':
        return `count(*) FILTER (WHERE ${a[0]})`;
      case 'sumif':
        return `CAST(sum(${a[0]}) FILTER (WHERE ${a[1]}) AS ${this.sqlType(type)})`;
      case 'dcount':
        // Exact, where Kusto estimates: never further from the truth than Kusto's answer.
        return `count(DISTINCT ${a[0]})`;
      case 'take_any':
        return `any_value(${a[0]})`;
      case 'make_set':
      case 'make_list': {
        // A JSON array; nulls are left out, as Kusto does. Sets are sorted, so results repeat.
        const v = this.as(args[0], 'dynamic');
        return fn === 'make_set'
          ? `coalesce(to_json(list(DISTINCT ${v} ORDER BY ${v}) FILTER (WHERE ${a[0]} IS NOT NULL)), '[]'::JSON)`
          : `coalesce(to_json(list(${v}) FILTER (WHERE ${a[0]} IS NOT NULL)), '[]'::JSON)`;
      }
      default:
        throw new UnsupportedError(`the aggregate ${fn}()`, 0);
    }
  }

  protected sqlType(t: KqlType): string {
    const map: Record<KqlType, string> = {
      string: 'VARCHAR',
      long: 'BIGINT',
      int: 'INTEGER',
      real: 'DOUBLE',
      bool: 'BOOLEAN',
      datetime: 'TIMESTAMP',
      timespan: 'INTERVAL',
      dynamic: 'JSON',
      decimal: 'DECIMAL(38, 10)',
    };
    return map[t];
  }

  protected scalar(s: Scalar): string {
    switch (s.kind) {
      case 'column':
        // Strings are never null in Kusto: a NULL string column reads as the empty string.
        return s.type === 'string' ? `coalesce(${this.ident(s.name)}, '')` : this.ident(s.name);
      case 'literal':
        if (s.value === null) return 'NULL';
        if (s.type === 'string') return this.string(String(s.value));
        if (s.type === 'bool') return s.value ? 'true' : 'false';
        if (s.type === 'datetime') return this.timestamp(String(s.value));
        if (s.type === 'timespan') return this.interval(Number(s.value));
        if (s.type === 'real') return `${Number(s.value)}::DOUBLE`;
        return String(s.value);
      case 'not':
        return `(NOT ${this.scalar(s.operand)})`;
      case 'in': {
        const fold = (x: Scalar): string =>
          s.caseInsensitive ? `lower(${this.as(x, 'string')})` : this.as(x, s.operand.type);
        if (s.values.some((v) => v.type === 'dynamic'))
          throw new UnsupportedError('in with a dynamic array', 0);
        const test = `${fold(s.operand)} IN (${s.values.map(fold).join(', ')})`;
        return s.negated ? `(NOT ${test})` : `(${test})`;
      }
      case 'index':
        return this.element(s.base, s.key);
      case 'binary':
        return this.binary(s);
      case 'call':
        return this.call(s);
      default: {
        const never: never = s;
        throw new Error(`unhandled IR node ${JSON.stringify(never)}`);
      }
    }
  }

  protected binary(s: Extract<Scalar, { kind: 'binary' }>): string {
    const text = STRING_OPS[s.op];
    if (text) {
      // String operators read a dynamic operand as its text, and fold case unless they are _cs.
      const [a, b] = [this.as(s.left, 'string'), this.as(s.right, 'string')];
      const [x, y] = text.cs ? [a, b] : [`lower(${a})`, `lower(${b})`];
      const test = text.test === 'has' ? this.hasTerm(x, s.right, text.cs) : text.test(x, y);
      return text.negated ? `(NOT ${test})` : test;
    }
    const [l, r] = this.comparable(s.left, s.right);
    const integral = (x: Scalar): boolean => x.type === 'long' || x.type === 'int';
    switch (s.op) {
      case '==':
        return `(${l} = ${r})`;
      case '!=':
        return `(${l} <> ${r})`;
      case 'and':
        return `(${l} AND ${r})`;
      case 'or':
        return `(${l} OR ${r})`;
      case '/':
        // long / long truncates toward zero; a remainder-free numerator divides exactly.
        if (integral(s.left) && integral(s.right))
          return `(CASE WHEN ${r} = 0 THEN NULL ELSE ((${l}) - (${l}) % (${r})) // (${r}) END)`;
        return `((${l}) / (${r}))`;
      default:
        return `(${l} ${s.op} ${r})`;
    }
  }

  /**
   * The two sides of a comparison the analyzer accepted between different types. Policy: a string
   * literal compared with a bool or a number is read as that type (`IsFlowCapturedAtUdrHop ==
   * "true"`, `DestPort == "443"`), and a literal that does not parse compares as null (no row);
   * a dynamic value compared with a typed one is read as that type. Anything else keeps its SQL.
   */
  private comparable(left: Scalar, right: Scalar): [string, string] {
    const typed = (x: Scalar, other: Scalar): string => {
      if (x.type === other.type || other.type === 'dynamic') return this.scalar(x);
      if (x.type === 'dynamic') return this.as(x, other.type);
      if (
        x.kind === 'literal' &&
        x.type === 'string' &&
        ['bool', 'long', 'int', 'real', 'decimal'].includes(other.type)
      )
        return `TRY_CAST(${this.scalar(x)} AS ${this.sqlType(other.type)})`;
      return this.scalar(x);
    };
    return [typed(left, right), typed(right, left)];
  }

  /**
   * `has`: the right side is a whole term of the left, terms being maximal runs of letters and
   * digits. A needle that starts (ends) with a letter or digit must start (end) at a term
   * boundary; punctuation at its edges matches anywhere (`has "|"`, `!has "/mc_"`). The needle must
   * be a constant: it is compiled into a regular expression.
   */
  private hasTerm(haystack: string, needle: Scalar, cs: boolean): string {
    if (needle.kind !== 'literal' || typeof needle.value !== 'string')
      throw new UnsupportedError('has with a search term that is not a constant', 0);
    const term = cs ? needle.value : needle.value.toLowerCase();
    if (term === '') return 'true';
    const word = /^[\p{L}\p{N}]/u;
    const escaped = term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const before = word.test(term) ? '(^|[^\\pL\\pN])' : '';
    const after = word.test([...term].pop() ?? '') ? '($|[^\\pL\\pN])' : '';
    return `regexp_matches(${haystack}, ${this.string(before + escaped + after)})`;
  }

  /** What mv-expand makes of one value: the list of values, one per row. */
  protected expansion(v: string): string {
    return `CASE json_type(${v}) WHEN 'ARRAY' THEN CAST(${v} AS JSON[])
      WHEN 'OBJECT' THEN list_transform(map_entries(CAST(${v} AS MAP(VARCHAR, JSON))), p -> json_object(p.key, p.value))
      ELSE [${v}] END`;
  }

  /** An element of a dynamic value; negative positions count from the end, out of range is null. */
  private element(base: Scalar, key: Scalar): string {
    if (base.type !== 'dynamic') throw new UnsupportedError(`indexing a value of type ${base.type}`, 0);
    if (key.kind !== 'literal') throw new UnsupportedError('an index that is not a constant', 0);
    let path: string;
    if (typeof key.value === 'number' && Number.isInteger(key.value))
      path = key.value >= 0 ? `$[${key.value}]` : `$[#${key.value}]`;
    else if (typeof key.value === 'string') path = `$."${key.value.replace(/["\\]/g, '\\$&')}"`;
    else throw new UnsupportedError(`the index ${String(key.value)}`, 0);
    return `json_extract(${this.scalar(base)}, ${this.string(path)})`;
  }

  /**
   * A value as another type, as Kusto converts: a dynamic value to a string is its text (a string
   * without quotes, anything else as JSON, null as ""); to a number, its text parsed (null if it is
   * not one); any value to dynamic, its JSON.
   */
  protected as(x: Scalar, type: KqlType): string {
    const v = this.scalar(x);
    if (x.type === type) return v;
    if (type === 'dynamic') return `to_json(${v})`;
    if (x.type === 'dynamic') {
      const t = `json_extract_string(${v}, '$')`;
      return type === 'string' ? `coalesce(${t}, '')` : `TRY_CAST(${t} AS ${this.sqlType(type)})`;
    }
    if (type === 'string') {
      // Kusto spells these exactly as SQL's casts do; other types (datetime, real) differ.
      if (!['long', 'int', 'bool'].includes(x.type)) throw new UnsupportedError(`tostring() of ${x.type}`, 0);
      return `coalesce(CAST(${v} AS VARCHAR), '')`;
    }
    return `TRY_CAST(${v} AS ${this.sqlType(type)})`;
  }

  protected call(s: Extract<Scalar, { kind: 'call' }>): string {
    const a = s.args.map((x) => this.scalar(x));
    switch (s.fn) {
      case 'strlen':
        return `length(${a[0]})`;
      case 'tolower':
        return `lower(${a[0]})`;
      case 'toupper':
        return `upper(${a[0]})`;
      case 'isempty':
        return s.args[0].type === 'string' ? `(${a[0]} = '')` : `(${a[0]} IS NULL)`;
      case 'isnotempty':
        return s.args[0].type === 'string' ? `(${a[0]} <> '')` : `(${a[0]} IS NOT NULL)`;
      case 'isnull':
        // A string is never null in Kusto.
        return s.args[0].type === 'string' ? 'false' : `(${a[0]} IS NULL)`;
      case 'isnotnull':
        return s.args[0].type === 'string' ? 'true' : `(${a[0]} IS NOT NULL)`;
      case 'strcat':
        return `concat(${a.join(', ')})`;
      case 'iff':
      case 'iif':
        return `(CASE WHEN ${a[0]} THEN ${this.as(s.args[1], s.type)} ELSE ${this.as(s.args[2], s.type)} END)`;
      case 'case': {
        // case(p1, v1, p2, v2, ..., else): branches converted to the result type the analyzer gave.
        const whens: string[] = [];
        for (let i = 0; i + 1 < s.args.length; i += 2)
          whens.push(`WHEN ${a[i]} THEN ${this.as(s.args[i + 1], s.type)}`);
        return `(CASE ${whens.join(' ')} ELSE ${this.as(s.args[s.args.length - 1], s.type)} END)`;
      }
      case 'coalesce':
        // For strings, the first non-empty one (a string is never null).
        if (s.type === 'string')
          return `(CASE ${s.args.map((x) => `WHEN ${this.as(x, 'string')} <> '' THEN ${this.as(x, 'string')}`).join(' ')} ELSE '' END)`;
        return `coalesce(${s.args.map((x) => this.as(x, s.type)).join(', ')})`;
      case 'split': {
        // An array of strings, as JSON; the optional third argument picks one element of it.
        const parts = `to_json(string_split(${this.as(s.args[0], 'string')}, ${this.as(s.args[1], 'string')}))`;
        if (s.args.length < 3) return parts;
        const i = this.as(s.args[2], 'long');
        return `json_extract(${parts}, '$[' || ${i} || ']')`;
      }
      case 'todynamic':
      case 'parse_json': {
        if (s.args[0].type === 'dynamic') return a[0];
        // A string that is not JSON becomes a dynamic string, as in Kusto.
        const t = this.as(s.args[0], 'string');
        return s.args[0].type === 'string'
          ? `(CASE WHEN json_valid(${t}) THEN ${t}::JSON ELSE to_json(${t}) END)`
          : `to_json(${a[0]})`;
      }
      case 'todecimal':
      case 'tolong':
      case 'toint':
      case 'toreal':
      case 'todouble':
        return this.as(s.args[0], s.type);
      case 'trim':
      case 'trim_start':
      case 'trim_end': {
        // The first argument is a regular expression; one match at the start and/or the end goes.
        const re = this.as(s.args[0], 'string');
        const src = this.as(s.args[1], 'string');
        const start = `regexp_replace(${src}, '^(?:' || ${re} || ')', '')`;
        if (s.fn === 'trim_start') return start;
        return `regexp_replace(${s.fn === 'trim' ? start : src}, '(?:' || ${re} || ')$', '')`;
      }
      case 'round':
        return `round(${a[0]}, ${s.args.length > 1 ? a[1] : '0'})`;
      case 'array_length':
        return `(CASE WHEN json_type(${a[0]}) = 'ARRAY' THEN json_array_length(${a[0]})::BIGINT END)`;
      case 'ipv4_is_private':
        return sqlIsPrivate(sqlIpv4Number(this.as(s.args[0], 'string')));
      case 'ipv4_is_in_range':
        return this.ipv4InRange(s.args[0], s.args[1]);
      case 'tostring':
        return this.as(s.args[0], 'string');
      case 'now':
        return this.timestamp(this.now.toISOString());
      case 'ago':
        return `(${this.timestamp(this.now.toISOString())} - ${a[0]})`;
      case 'bin':
        if (s.args[0].type === 'datetime') return this.binTime(a[0], a[1]);
        if (s.args[0].type === 'long' || s.args[0].type === 'int')
          return `(floor((${a[0]}) / (${a[1]}))::BIGINT * (${a[1]}))`;
        throw new UnsupportedError(`bin() of ${s.args[0].type}`, 0);
      default:
        throw new UnsupportedError(`the function ${s.fn}()`, 0);
    }
  }
}
