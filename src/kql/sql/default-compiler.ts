import { columnRefs, positionOf, type KqlType, type Query, type Scalar, type Tabular } from '../ir.js';
import { UnsupportedError } from '../lower.js';
import { escapeRegex } from '../regex.js';
import { publicColumns, tables } from '../../schema/tables.js';
import { ipv4Range, sqlIpv4Number, sqlIsPrivateText } from '../../enrich/ip.js';
import { ipv4Masked, ipv4Number, ipv6Compare, ipv6Masked, ipv6Text } from '../../enrich/ip-text.js';
import type { ReadScope } from '../read-scope.js';

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
  /**
   * Columns known never to hold NULL (a datatable's literals, a key of an inner join on them...).
   * A string column outside this set is read through coalesce(x, '') (Kusto strings are never
   * null); one inside it is read bare, which lets DuckDB group, join and filter on it directly
   * (measured: a lookup on a datatable went from 1.36x to ~1.0x the hand-written SQL).
   * Absent means none is known: the safe default for any node that does not say.
   */
  readonly nonNull?: ReadonlySet<string>;
  /**
   * Dynamic columns held as plain text rather than JSON: the elements of an mv-expanded split(),
   * which are strings. Reading one as a string (the usual next step) then needs no JSON at all;
   * reading it as dynamic wraps it in to_json(). Only operators that read columns through
   * scalar() keep such columns (where, extend, sort, take, mv-expand); the others take their
   * input through plain(), which turns them into JSON first.
   */
  readonly textual?: ReadonlySet<string>;
  /**
   * Set when the consumer asked for the rows' order (see SERIAL): the rows carry it in a hidden
   * column of that name, beside `columns`.
   */
  readonly serial?: string;
}

/**
 * The hidden column holding a row's position, for the row functions (row_number(), prev()...).
 * It is made only when a consumer asks: by the sort below (its order) or by the consumer itself
 * (the input's order, for `serialize` over rows that were never sorted). Operators that keep
 * Kusto's order row for row (where, extend, project, take, parse) pass it on; mv-expand does not,
 * so a row function after it numbers the expanded rows in the order they come.
 */
const SERIAL = '__serial';

/** Kusto's row functions: they read the rows before or after, in order. */
const ROW_FUNCTIONS = new Set(['row_number', 'prev', 'next', 'row_cumsum']);

/** Whether a scalar calls a row function. */
function usesRows(s: Scalar): boolean {
  switch (s.kind) {
    case 'call':
      return ROW_FUNCTIONS.has(s.fn) || s.args.some(usesRows);
    case 'binary':
      return usesRows(s.left) || usesRows(s.right);
    case 'not':
      return usesRows(s.operand);
    case 'in':
      return usesRows(s.operand) || s.values.some(usesRows);
    case 'index':
      return usesRows(s.base) || usesRows(s.key);
    default:
      return false;
  }
}

const NONE: ReadonlySet<string> = new Set();

/**
 * The columns a consumer reads from a node (null: all of them). Passed down so that a table
 * selects only those: DuckDB prunes unused columns through most operators itself, but not
 * through an unnest, where carrying NTANetAnalytics' 59 columns cost a third of an mv-expand.
 */
type Need = ReadonlySet<string> | null;

/** The columns read by some scalars, plus `base`. */
function refs(exprs: readonly Scalar[], base: Iterable<string> = []): Set<string> {
  const out = new Set(base);
  for (const e of exprs) columnRefs(e, out);
  return out;
}

/**
 * Compiles the IR to SQL. Kusto's semantics are made explicit here, in one place each: strings are
 * never null (a NULL string column reads as ''), long division truncates toward zero, sort and
 * take default to descending with nulls last. A dialect overrides only the protected hooks where
 * its SQL differs (see duckdb-compiler.ts).
 */
export abstract class DefaultCompiler {
  /** `readScope` replaces tables and now() for scheduled runs (see read-scope.ts). */
  constructor(
    protected readonly now: Date,
    private readonly readScope?: ReadScope,
  ) {}

  /** The non-null columns of the input of the node being compiled: what scalar() may read bare. */
  private scope: ReadonlySet<string> = NONE;
  /** The textual dynamic columns of that input (see Compiled.textual). */
  private textual: ReadonlySet<string> = NONE;
  /** The window of that input's rows in order (when it carries SERIAL): what row functions read. */
  private window: string | null = null;
  /** Inside an mv-apply: the sub-table its subquery reads (see the applyInput node). */
  private applyInput: Compiled | null = null;

  private nowSql(): string {
    return this.readScope?.now ?? this.timestamp(this.now.toISOString());
  }

  compile(q: Query): string {
    const body = this.plain(this.tabular(q.body, new Set(q.columns.map((c) => c.name))));
    const nonNull = body.nonNull ?? NONE;
    // The result, too, never holds a null string: an outer join's padding reads as "".
    // Timespans leave as microseconds, which every output format prints as Kusto does.
    const out = q.columns.map((c) =>
      c.type === 'string' && !nonNull.has(c.name)
        ? `coalesce(${this.ident(c.name)}, '') AS ${this.ident(c.name)}`
        : c.type === 'timespan'
          ? `${this.microseconds(this.ident(c.name))} AS ${this.ident(c.name)}`
          : this.ident(c.name),
    );
    return `SELECT ${out.join(', ')} FROM (${body.sql})`;
  }

  protected ident(name: string): string {
    // DuckDB's parser ends the SQL text at a NUL character, so none may appear in it.
    if (name.includes('\u0000')) throw new UnsupportedError('a name holding a NUL character');
    return `"${name.replace(/"/g, '""')}"`;
  }

  /** A string literal; NUL characters are spelled chr(0), as the SQL text cannot hold them. */
  protected string(value: string): string {
    const parts = value.split('\u0000').map((p) => `'${p.replace(/'/g, "''")}'`);
    return parts.length === 1 ? parts[0] : `(${parts.join(' || chr(0) || ')})`;
  }

  protected abstract timestamp(iso: string): string;
  protected abstract interval(microseconds: number): string;
  protected abstract binTime(value: string, size: string, origin?: string): string;
  /** A count of microseconds (a BIGINT expression) as a timespan. */
  protected abstract fromMicroseconds(value: string): string;
  /** A timespan as a count of microseconds. */
  protected abstract microseconds(value: string): string;

  /** ipv4_is_in_range(ip, "a.b.c.d/n"): the prefix must be a constant (a literal or a scalar let). */
  protected ipv4InRange(ip: Scalar, range: Scalar): string {
    if (range.kind !== 'literal' || typeof range.value !== 'string')
      throw new UnsupportedError('ipv4_is_in_range() with a range that is not a constant');
    const r = ipv4Range(range.value);
    // Kusto returns null for an invalid range or address.
    if (!r) return 'NULL';
    return `(${sqlIpv4Number(this.scalar(ip))} BETWEEN ${r.start} AND ${r.end})`;
  }

  /**
   * Compiles one tabular node. Its scalars are compiled with the scope set to its input's non-null
   * columns (by `over`); the caller's scope is restored afterwards, so a subquery inside a scalar
   * never leaks its own.
   */
  protected tabular(t: Tabular, need: Need = null, serial = false): Compiled {
    const [scope, textual, window] = [this.scope, this.textual, this.window];
    [this.scope, this.textual, this.window] = [NONE, NONE, null];
    try {
      return located(t, () => this.node(t, need, serial));
    } finally {
      [this.scope, this.textual, this.window] = [scope, textual, window];
    }
  }

  /** Makes an input's non-null and textual columns (and its order) the scope of the scalars compiled next. */
  private over(input: Compiled): Compiled {
    this.scope = input.nonNull ?? NONE;
    this.textual = input.textual ?? NONE;
    this.window = input.serial ? `ORDER BY ${this.ident(input.serial)}` : null;
    return input;
  }

  /**
   * The input of a node that passes its input's columns on (where, extend, sort, mv-expand): asked
   * for what the consumer needs plus what `exprs` read, and made the scope of those scalars. When
   * `exprs` call row functions, the input comes in order, with SERIAL.
   */
  private passThrough(input: Tabular, exprs: readonly Scalar[], need: Need, serial = false): Compiled {
    const rows = exprs.some(usesRows);
    return this.over(this.serialized(this.tabular(input, need && refs(exprs, need), serial || rows), rows));
  }

  /** An input that must carry SERIAL and does not (nothing sorted it): numbered in the order it comes. */
  private serialized(input: Compiled, wanted: boolean): Compiled {
    if (!wanted || input.serial) return input;
    return {
      ...input,
      sql: `SELECT *, row_number() OVER () AS ${this.ident(SERIAL)} FROM (${input.sql})`,
      serial: SERIAL,
    };
  }

  /**
   * A pass-through node's SQL and order: as it is, unless `exprs` call row functions, whose window
   * may shuffle the rows: then put back in order, SERIAL kept only if the consumer asked for it.
   */
  private ordered(
    input: Compiled,
    sql: string,
    exprs: readonly Scalar[],
    serial: boolean,
  ): { sql: string; serial?: string } {
    if (!input.serial || !exprs.some(usesRows)) return { sql, serial: input.serial };
    const ordered = `${sql} ORDER BY ${this.ident(input.serial)}`;
    return serial
      ? { sql: ordered, serial: input.serial }
      : { sql: `SELECT * EXCLUDE (${this.ident(input.serial)}) FROM (${ordered})` };
  }

  /** An input with its textual dynamic columns turned into JSON, for operators that read them raw. */
  private plain(input: Compiled): Compiled {
    if (!input.textual?.size) return input;
    const json = [...input.textual].map((c) => `to_json(${this.ident(c)}) AS ${this.ident(c)}`);
    return {
      sql: `SELECT * REPLACE (${json.join(', ')}) FROM (${input.sql})`,
      columns: input.columns,
      nonNull: input.nonNull,
    };
  }

  /**
   * Whether a scalar never yields NULL: a non-null literal, a column known to be non-null, or a
   * call whose SQL here never is (tostring() always ends in coalesce; concat() skips NULLs).
   */
  private nonNullScalar(s: Scalar): boolean {
    return (
      (s.kind === 'literal' && s.value !== null) ||
      (s.kind === 'column' && this.scope.has(s.name)) ||
      (s.kind === 'call' && (s.fn === 'tostring' || s.fn === 'strcat'))
    );
  }

  /** The output names of named scalars that never yield NULL, in the current scope. */
  private nonNullNamed(cols: readonly { readonly name: string; readonly expr: Scalar }[]): Set<string> {
    return new Set(cols.filter((c) => this.nonNullScalar(c.expr)).map((c) => c.name));
  }

  private node(t: Tabular, need: Need, serial: boolean): Compiled {
    switch (t.kind) {
      case 'table': {
        const def = tables.find((d) => d.name === t.name);
        if (!def) throw new UnsupportedError(`the table ${t.name}`);
        const all = publicColumns(def);
        const wanted = need && all.filter((c) => need.has(c));
        const columns = wanted?.length ? wanted : all;
        return {
          sql: `SELECT ${columns.map((c) => this.ident(c)).join(', ')} FROM ${this.readScope?.table(t.name) ?? this.ident(t.name)}`,
          columns,
        };
      }
      case 'where': {
        const input = this.passThrough(t.input, [t.predicate], need, serial);
        return {
          ...this.ordered(
            input,
            `SELECT * FROM (${input.sql}) WHERE ${this.scalar(t.predicate)}`,
            [t.predicate],
            serial,
          ),
          columns: input.columns,
          nonNull: input.nonNull,
          textual: input.textual,
        };
      }
      case 'extend': {
        const input = this.passThrough(
          t.input,
          t.columns.map((c) => c.expr),
          need,
          serial,
        );
        const redefined = new Set(t.columns.map((c) => c.name));
        const nonNull = this.nonNullNamed(t.columns);
        for (const c of input.nonNull ?? NONE) if (!redefined.has(c)) nonNull.add(c);
        const replaced = t.columns.filter((c) => input.columns.includes(c.name));
        const added = t.columns.filter((c) => !input.columns.includes(c.name));
        const replace = replaced.length
          ? ` REPLACE (${replaced.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')})`
          : '';
        const extra = added.map((c) => `, ${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join('');
        return {
          ...this.ordered(
            input,
            `SELECT *${replace}${extra} FROM (${input.sql})`,
            t.columns.map((c) => c.expr),
            serial,
          ),
          columns: [...input.columns, ...added.map((c) => c.name)],
          nonNull,
          textual: new Set([...(input.textual ?? NONE)].filter((c) => !redefined.has(c))),
        };
      }
      case 'project': {
        const exprs = t.columns.map((c) => c.expr);
        const input = this.passThrough(t.input, exprs, refs(exprs), serial);
        const keep = input.serial ? `, ${this.ident(input.serial)}` : '';
        return {
          ...this.ordered(
            input,
            `SELECT ${t.columns.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')}${keep} FROM (${input.sql})`,
            exprs,
            serial,
          ),
          columns: t.columns.map((c) => c.name),
          nonNull: this.nonNullNamed(t.columns),
        };
      }
      case 'summarize': {
        const exprs = [...t.by.map((b) => b.expr), ...t.aggregates.flatMap((a) => a.args)];
        const input = this.over(this.tabular(t.input, refs(exprs)));
        const by = t.by.map((b) => `${this.scalar(b.expr)} AS ${this.ident(b.name)}`);
        const aggs = t.aggregates.map(
          (a) => `${located(a, () => this.aggregate(a.fn, a.args, a.type))} AS ${this.ident(a.name)}`,
        );
        const group = t.by.length ? ` GROUP BY ${t.by.map((_, i) => i + 1).join(', ')}` : '';
        return {
          sql: `SELECT ${[...by, ...aggs].join(', ')} FROM (${input.sql})${group}`,
          columns: [...t.by.map((b) => b.name), ...t.aggregates.map((a) => a.name)],
          nonNull: this.nonNullNamed(t.by),
        };
      }
      case 'sort': {
        const input = this.passThrough(
          t.input,
          t.keys.map((k) => k.expr),
          need,
        );
        const keys = t.keys.map(
          (k) => `${this.scalar(k.expr)} ${k.desc ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`,
        );
        // Asked for the order: each row's position in it, in SERIAL (ties numbered arbitrarily).
        const position = serial
          ? `, row_number() OVER (ORDER BY ${keys.join(', ')}) AS ${this.ident(SERIAL)}`
          : '';
        return {
          sql: serial
            ? `SELECT *${position} FROM (${input.sql}) ORDER BY ${this.ident(SERIAL)}`
            : `SELECT * FROM (${input.sql}) ORDER BY ${keys.join(', ')}`,
          ...(serial ? { serial: SERIAL } : {}),
          columns: input.columns,
          nonNull: input.nonNull,
          textual: input.textual,
        };
      }
      case 'take': {
        const input = this.tabular(t.input, need, serial);
        return {
          sql: `SELECT * FROM (${input.sql}) LIMIT ${Math.max(0, Math.floor(t.count))}`,
          serial: input.serial,
          columns: input.columns,
          nonNull: input.nonNull,
          textual: input.textual,
        };
      }
      case 'distinct': {
        const input = this.over(this.tabular(t.input, refs(t.columns.map((c) => c.expr))));
        return {
          sql: `SELECT DISTINCT ${t.columns.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')} FROM (${input.sql})`,
          columns: t.columns.map((c) => c.name),
          nonNull: this.nonNullNamed(t.columns),
        };
      }
      case 'join': {
        let left = this.plain(this.tabular(t.input));
        const right = this.plain(this.tabular(t.right));
        const [leftNonNull, rightNonNull] = [left.nonNull ?? NONE, right.nonNull ?? NONE];
        // Keys compare as Kusto compares them: strings never null.
        const key = (side: string, name: string, type: KqlType): string =>
          type === 'string' && !(side === 'r' ? rightNonNull : leftNonNull).has(name)
            ? `coalesce(${side === '' ? '' : `${side}.`}${this.ident(name)}, '')`
            : `${side === '' ? '' : `${side}.`}${this.ident(name)}`;
        if (t.join === 'innerunique') {
          const keys = t.on.map((k) => key('', k.left, k.type));
          left = {
            sql: `SELECT * EXCLUDE (__first) FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.join(', ')}) AS __first FROM (${left.sql})) WHERE __first = 1`,
            columns: left.columns,
            nonNull: left.nonNull,
          };
        }
        const cond = t.on
          .map((k) => `${key('l', k.left, k.type)} = ${key('r', k.right, k.type)}`)
          .join(' AND ');
        if (t.join === 'leftsemi' || t.join === 'leftanti')
          return {
            sql: `SELECT l.* FROM (${left.sql}) l WHERE ${t.join === 'leftanti' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM (${right.sql}) r WHERE ${cond})`,
            columns: left.columns,
            nonNull: leftNonNull,
          };
        if (t.join === 'rightsemi' || t.join === 'rightanti')
          return {
            sql: `SELECT r.* FROM (${right.sql}) r WHERE ${t.join === 'rightanti' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM (${left.sql}) l WHERE ${cond})`,
            columns: right.columns,
            nonNull: rightNonNull,
          };
        const cols = [
          ...t.leftColumns.map((c) => `l.${this.ident(c)}`),
          ...t.rightColumns.map((c) => `r.${this.ident(c.from)} AS ${this.ident(c.as)}`),
        ];
        const how =
          { leftouter: 'LEFT', rightouter: 'RIGHT', fullouter: 'FULL' }[t.join as string] ?? 'INNER';
        // An outer join pads the other side with nulls: only the kept side's columns stay non-null.
        const nonNull = new Set<string>();
        if (how === 'INNER' || how === 'LEFT')
          for (const c of t.leftColumns) if (leftNonNull.has(c)) nonNull.add(c);
        if (how === 'INNER' || how === 'RIGHT')
          for (const c of t.rightColumns) if (rightNonNull.has(c.from)) nonNull.add(c.as);
        return {
          sql: `SELECT ${cols.join(', ')} FROM (${left.sql}) l ${how} JOIN (${right.sql}) r ON ${cond}`,
          columns: [...t.leftColumns, ...t.rightColumns.map((c) => c.as)],
          nonNull,
        };
      }
      case 'rows': {
        const names = t.columns.map((c) => this.ident(c.name));
        if (t.rows.length === 0)
          return {
            sql: `SELECT ${t.columns.map((c, i) => `CAST(NULL AS ${this.sqlType(c.type)}) AS ${names[i]}`).join(', ')} WHERE false`,
            columns: t.columns.map((c) => c.name),
          };
        const rows = t.rows.map(
          (r) =>
            `(${r.map((v, i) => `CAST(${this.as(v, t.columns[i].type)} AS ${this.sqlType(t.columns[i].type)})`).join(', ')})`,
        );
        const literal = (v: Scalar, type: KqlType): boolean =>
          v.kind === 'literal' && v.value !== null && v.type === type;
        return {
          sql: `SELECT * FROM (VALUES ${rows.join(', ')}) AS __rows(${names.join(', ')})`,
          columns: t.columns.map((c) => c.name),
          nonNull: new Set(
            t.columns.filter((c, i) => t.rows.every((r) => literal(r[i], c.type))).map((c) => c.name),
          ),
        };
      }
      case 'union': {
        // A column is non-null in the union if it is in every leg (none pads it) and non-null there.
        const nonNull = new Set(t.columns.map((c) => c.name));
        if (t.source) nonNull.add(t.source.name);
        const legs = t.inputs.map((input, i) => {
          const leg = this.plain(this.tabular(input));
          for (const c of t.columns) if (!leg.nonNull?.has(c.name)) nonNull.delete(c.name);
          const cols = t.columns.map(
            (c) =>
              `CAST(${leg.columns.includes(c.name) ? this.ident(c.name) : 'NULL'} AS ${this.sqlType(c.type)}) AS ${this.ident(c.name)}`,
          );
          if (t.source) cols.unshift(`${this.string(t.source.labels[i])} AS ${this.ident(t.source.name)}`);
          return `SELECT ${cols.join(', ')} FROM (${leg.sql})`;
        });
        return {
          sql: legs.map((l) => `(${l})`).join(' UNION ALL '),
          columns: [...(t.source ? [t.source.name] : []), ...t.columns.map((c) => c.name)],
          nonNull,
        };
      }
      case 'argBest': {
        const input = this.over(this.plain(this.tabular(t.input)));
        const part = t.by.length ? `PARTITION BY ${t.by.map((b) => this.scalar(b.expr)).join(', ')}` : '';
        const order = `${this.scalar(t.expr)} ${t.max ? 'DESC' : 'ASC'} NULLS LAST`;
        // The by columns first (as named), then the row's columns, each once, in the analyzer's order.
        const byNames = new Set(t.by.map((b) => b.name));
        for (const c of t.columns)
          if (!byNames.has(c) && !input.columns.includes(c))
            throw new UnsupportedError(`the column ${c} of ${t.max ? 'arg_max' : 'arg_min'}()`);
        const by = t.by.map((b) => `${this.scalar(b.expr)} AS ${this.ident(`__by_${b.name}`)}`);
        const cols = t.columns.map((c) =>
          byNames.has(c) ? `${this.ident(`__by_${c}`)} AS ${this.ident(c)}` : this.ident(c),
        );
        return {
          sql: `SELECT ${cols.join(', ')} FROM (SELECT *, ${[...by, `row_number() OVER (${part} ORDER BY ${order}) AS __rank`].join(', ')} FROM (${input.sql})) WHERE __rank = 1`,
          columns: t.columns,
          nonNull: new Set(
            t.columns.filter((c) => {
              const by = t.by.find((b) => b.name === c);
              return by ? this.nonNullScalar(by.expr) : input.nonNull?.has(c);
            }),
          ),
        };
      }
      case 'mvExpand': {
        // DuckDB does not prune columns through an unnest: ask the input for only what is used.
        const input = this.passThrough(
          t.input,
          t.columns.map((c) => c.expr),
          need,
        );
        return this.expand(input, t);
      }
      case 'mvApply': {
        // Each row, then the subquery over its expansion, joined to it laterally: the sub-table
        // reads the row's columns from the outer query (__o).
        const input = this.plain(this.tabular(t.input));
        const row: Compiled = {
          sql: `SELECT ${input.columns.map((c) => `__o.${this.ident(c)} AS ${this.ident(c)}`).join(', ')}`,
          columns: input.columns,
          nonNull: input.nonNull,
        };
        const saved = this.applyInput;
        let sub: Compiled;
        try {
          this.applyInput = this.expand(this.over(row), t.expand);
          sub = this.plain(this.tabular(t.subquery));
        } finally {
          this.applyInput = saved;
        }
        const cols = t.columns.map((c) =>
          sub.columns.includes(c) ? `__s.${this.ident(c)}` : `__o.${this.ident(c)}`,
        );
        const nonNull = new Set(
          t.columns.filter((c) => (sub.columns.includes(c) ? sub.nonNull : input.nonNull)?.has(c)),
        );
        return {
          sql: `SELECT ${t.columns.map((c, i) => `${cols[i]} AS ${this.ident(c)}`).join(', ')} FROM (${input.sql}) __o, LATERAL (${sub.sql}) __s`,
          columns: t.columns,
          nonNull,
        };
      }
      case 'applyInput':
        if (!this.applyInput) throw new Error('an mv-apply sub-table outside mv-apply');
        return this.applyInput;
      case 'parse': {
        const input = this.passThrough(t.input, [t.text], need, serial);
        const text = this.as(t.text, 'string');
        const re = this.string(t.regex);
        const names = Array.from({ length: t.groups }, (_, i) => this.string(`g${i + 1}`));
        const values = t.columns.map((c) => this.fromText(`__p.g${c.group}`, c.type));
        // Strict kinds: the match holds only if every typed capture converts.
        const typed = values.filter((_, i) => t.columns[i].type !== 'string');
        const ok = t.strict
          ? ['__p IS NOT NULL', ...typed.map((v) => `${v} IS NOT NULL`)].join(' AND ')
          : '__p IS NOT NULL';
        const cols = t.columns.map(
          (c, i) =>
            `${t.strict && typed.length ? `CASE WHEN ${ok} THEN ${values[i]} END` : values[i]} AS ${this.ident(c.name)}`,
        );
        const parsed = new Set(t.columns.map((c) => c.name));
        return {
          sql: `SELECT * EXCLUDE (__p), ${cols.join(', ')} FROM (SELECT *, CASE WHEN regexp_matches(${text}, ${re}) THEN regexp_extract(${text}, ${re}, [${names.join(', ')}]) END AS __p FROM (${input.sql}))${t.filter ? ` WHERE ${ok}` : ''}`,
          columns: [...input.columns, ...t.columns.map((c) => c.name)],
          serial: input.serial,
          nonNull: new Set([...(input.nonNull ?? NONE)].filter((c) => !parsed.has(c))),
          textual: new Set([...(input.textual ?? NONE)].filter((c) => !parsed.has(c))),
        };
      }
      case 'makeSeries': {
        const exprs = [t.axis.expr, ...t.by.map((b) => b.expr), ...t.aggregates.flatMap((a) => a.args)];
        const input = this.over(this.tabular(t.input, refs(exprs)));
        const axis = this.scalar(t.axis.expr);
        const step = this.scalar(t.step);
        const [from, to] = [t.from && this.scalar(t.from), t.to && this.scalar(t.to)];
        // Per group and bin (bin_at from `from`, else Kusto's bin), the aggregates...
        const bin = from ? this.binTime(axis, step, from) : this.binTime(axis, step);
        const by = t.by.map((b) => `${this.scalar(b.expr)} AS ${this.ident(b.name)}`);
        const aggs = t.aggregates.map(
          (a, i) => `${located(a, () => this.aggregate(a.fn, a.args, a.type))} AS __a${i}`,
        );
        const range = [
          `${axis} IS NOT NULL`,
          ...(from ? [`${axis} >= ${from}`] : []),
          ...(to ? [`${axis} < ${to}`] : []),
        ];
        const groupBy = t.by.map((_, i) => i + 1);
        const binned = `SELECT ${[...by, `${bin} AS __bin`, ...aggs].join(', ')} FROM (${input.sql}) WHERE ${range.join(' AND ')} GROUP BY ${[...groupBy, t.by.length + 1].join(', ')}`;
        // ...then per group, the bins from the first (`from`, else the group's first with data) to
        // the last before `to` (else the group's last with data), each aggregate's value or default.
        const us = (x: string): string => this.microseconds(x);
        const start = from ?? 'min(__bin)';
        const bins = to
          ? `CAST(ceil((${us(to)} - ${us(start)}) / ${us(step)}) AS BIGINT)`
          : `((${us('max(__bin)')} - ${us(start)}) // ${us(step)} + 1)`;
        const keys = t.by.map((b) => this.ident(b.name));
        const maps = t.aggregates.map((_, i) => `map(list(__bin), list(__a${i})) AS __m${i}`);
        const at = `(__start + ${this.fromMicroseconds(`k * ${us(step)}`)})`;
        const series = t.aggregates.map(
          (a, i) =>
            `to_json(list_transform(range(0, __n), k -> CASE WHEN map_contains(__m${i}, ${at}) THEN __m${i}[${at}] ELSE ${this.as(a.fill, a.type)} END)) AS ${this.ident(a.name)}`,
        );
        const times = `to_json(list_transform(range(0, __n), k -> ${this.datetimeJson(at)})) AS ${this.ident(t.axis.name)}`;
        // At most 2^20 bins, Kusto's limit; an empty input makes no series (HAVING).
        const grouped = `SELECT ${[...keys, ...maps, `${start} AS __start`, `least(greatest(${bins}, 0), 1048576) AS __n`].join(', ')} FROM (${binned})${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''} HAVING count(*) > 0`;
        return {
          sql: `SELECT ${[...keys, ...series, times].join(', ')} FROM (${grouped})`,
          columns: [...t.by.map((b) => b.name), ...t.aggregates.map((a) => a.name), t.axis.name],
          nonNull: new Set([...this.nonNullNamed(t.by), ...t.aggregates.map((a) => a.name), t.axis.name]),
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

  /**
   * mv-expand of an input: lists first, then one unnest per list in one SELECT: DuckDB pads the
   * shorter ones with nulls, as Kusto does. The position (for with_itemindex and limit) is
   * unnested beside them. A split() is expanded as a list of plain strings (see Compiled.textual).
   */
  private expand(
    input: Compiled,
    t: Omit<Extract<Tabular, { kind: 'mvExpand' }>, 'kind' | 'input'>,
  ): Compiled {
    const split = t.columns.map((c) => this.isSplit(c.expr));
    const lists = t.columns.map(
      (c, i) =>
        `${split[i] ? this.stringList(c.expr) : this.expansion(this.as(c.expr, 'dynamic'))} AS __l${i}`,
    );
    const units = t.columns.map((_, i) => `unnest(__l${i}) AS __mv${i}`);
    const counted = t.index !== null || t.limit !== null;
    if (counted)
      units.push(
        `unnest(range(0, greatest(${t.columns.map((_, i) => `len(__l${i})`).join(', ')}))) AS __mvi`,
      );
    const element = (i: number): string => {
      const to = t.columns[i].to;
      if (!split[i]) return this.as({ kind: 'column', name: `__mv${i}`, type: 'dynamic' }, to);
      if (to === 'dynamic') return `__mv${i}`;
      return to === 'string' ? `coalesce(__mv${i}, '')` : this.fromText(`__mv${i}`, to);
    };
    const names = t.columns.map((c) => c.name);
    const replaced = t.columns.map((c, i) => ({ c, i })).filter(({ c }) => input.columns.includes(c.name));
    const added = t.columns.map((c, i) => ({ c, i })).filter(({ c }) => !input.columns.includes(c.name));
    const hidden = [...t.columns.flatMap((_, i) => [`__l${i}`, `__mv${i}`]), ...(counted ? ['__mvi'] : [])];
    const replace = replaced.length
      ? ` REPLACE (${replaced.map(({ c, i }) => `${element(i)} AS ${this.ident(c.name)}`).join(', ')})`
      : '';
    const extra = [
      ...added.map(({ c, i }) => `, ${element(i)} AS ${this.ident(c.name)}`),
      ...(t.index !== null && !names.includes(t.index) ? [`, __mvi AS ${this.ident(t.index)}`] : []),
    ].join('');
    const limit = t.limit !== null ? ` WHERE __mvi < ${Math.max(0, Math.floor(t.limit))}` : '';
    const nonNull = new Set(input.nonNull);
    const textual = new Set(input.textual);
    for (const n of [...names, t.index]) {
      if (n === null) continue;
      nonNull.delete(n);
      textual.delete(n);
    }
    t.columns.forEach((c, i) => {
      if (split[i] && c.to === 'dynamic') textual.add(c.name);
    });
    return {
      sql: `SELECT * EXCLUDE (${hidden.join(', ')})${replace}${extra} FROM (SELECT *, ${units.join(', ')} FROM (SELECT *, ${lists.join(', ')} FROM (${input.sql})))${limit}`,
      nonNull,
      textual,
      columns: [
        ...input.columns,
        ...added.map(({ c }) => c.name),
        ...(t.index !== null && !names.includes(t.index) ? [t.index] : []),
      ],
    };
  }

  /** sum() and sumif() (`filter` its FILTER clause): 0 over no values; timespans summed in microseconds. */
  private sumOf(x: string, type: KqlType, filter: string): string {
    if (type === 'timespan')
      return this.fromMicroseconds(`coalesce(sum(${this.microseconds(x)})${filter}, 0)::BIGINT`);
    return `coalesce(CAST(sum(${x})${filter} AS ${this.sqlType(type)}), 0)`;
  }

  protected aggregate(fn: string, args: readonly Scalar[], type: KqlType): string {
    const a = args.map((x) => this.scalar(x));
    switch (fn) {
      case 'count':
        return 'count(*)';
      case 'sum':
        // Kusto's sum of longs is a long; DuckDB widens to HUGEINT. Over no values it is 0 (Kusto's
        // default for sum, sumif, variance and stdev), where SQL's is NULL.
        return this.sumOf(a[0], type, '');
      case 'min':
      case 'max':
        return `${fn}(${a[0]})`;
      case 'avg':
        return `avg(${a[0]})`;
      case 'countif':
        return `count(*) FILTER (WHERE ${a[0]})`;
      case 'sumif':
        return this.sumOf(a[0], type, ` FILTER (WHERE ${a[1]})`);
      case 'dcount':
        // Exact, where Kusto estimates: never further from the truth than Kusto's answer.
        return `count(DISTINCT ${a[0]})`;
      case 'take_any':
        return `any_value(${a[0]})`;
      case 'make_set':
      case 'make_list':
      case 'make_set_if':
      case 'make_list_if': {
        // A JSON array; nulls are left out, as Kusto does. Sets are sorted, so results repeat (and a
        // capped set keeps its smallest values).
        // The _if forms take a predicate second; an optional last argument caps the size.
        const conditional = fn.endsWith('_if');
        const limitArg = args[conditional ? 2 : 1];
        if (limitArg && (limitArg.kind !== 'literal' || typeof limitArg.value !== 'number'))
          throw new UnsupportedError(`${fn}() with a size limit that is not a constant`);
        const v = this.as(args[0], 'dynamic');
        const keep = `${a[0]} IS NOT NULL${conditional ? ` AND (${a[1]})` : ''}`;
        const list = fn.startsWith('make_set')
          ? `list(DISTINCT ${v} ORDER BY ${v}) FILTER (WHERE ${keep})`
          : `list(${v}) FILTER (WHERE ${keep})`;
        const capped = limitArg
          ? `list_slice(${list}, 1, ${Math.max(0, Math.floor(Number(limitArg.value)))})`
          : list;
        return `coalesce(to_json(${capped}), '[]'::JSON)`;
      }
      case 'make_bag':
        if (args.length > 1) throw new UnsupportedError('make_bag() with a size limit');
        // The properties of every bag in the group, merged; values that are not bags are skipped.
        return `coalesce(list_reduce(list(${a[0]}) FILTER (WHERE json_type(${a[0]}) = 'OBJECT'), (x, y) -> json_merge_patch(x, y)), '{}'::JSON)`;
      case 'avgif':
        return `avg(${a[0]}) FILTER (WHERE ${a[1]})`;
      case 'dcountif':
        return `count(DISTINCT ${a[0]}) FILTER (WHERE ${a[1]})`;
      case 'minif':
      case 'maxif':
        return `${fn.slice(0, 3)}(${a[0]}) FILTER (WHERE ${a[1]})`;
      case 'stdev':
      case 'stdevif':
        return `coalesce(stddev_samp(${a[0]})${fn === 'stdevif' ? ` FILTER (WHERE ${a[1]})` : ''}, 0)`;
      case 'stdevp':
        return `stddev_pop(${a[0]})`;
      case 'variance':
      case 'varianceif':
        return `coalesce(var_samp(${a[0]})${fn === 'varianceif' ? ` FILTER (WHERE ${a[1]})` : ''}, 0)`;
      case 'variancep':
        return `var_pop(${a[0]})`;
      case 'percentile': {
        // Nearest rank, exactly (Kusto estimates it with a t-digest): always one of the values.
        const p = args[1];
        if (p.kind !== 'literal' || typeof p.value !== 'number' || p.value < 0 || p.value > 100)
          throw new UnsupportedError(
            'percentile() with a percentage that is not a constant from 0 to 100',
            0,
          );
        return `quantile_disc(${a[0]}, ${p.value / 100})`;
      }
      default:
        throw new UnsupportedError(`the aggregate ${fn}()`);
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
    return located(s, () => this.scalarOf(s));
  }

  private scalarOf(s: Scalar): string {
    switch (s.kind) {
      case 'column':
        if (this.textual.has(s.name)) return `to_json(${this.ident(s.name)})`;
        // Strings are never null in Kusto: a NULL string column reads as the empty string.
        return s.type === 'string' && !this.scope.has(s.name)
          ? `coalesce(${this.ident(s.name)}, '')`
          : this.ident(s.name);
      case 'literal':
        if (s.value === null) return 'NULL';
        if (s.type === 'string') return this.string(String(s.value));
        if (s.type === 'bool') return s.value ? 'true' : 'false';
        if (s.type === 'datetime') return this.timestamp(String(s.value));
        if (s.type === 'timespan') return this.interval(Number(s.value));
        if (s.type === 'real')
          return typeof s.value === 'number'
            ? `${s.value}::DOUBLE`
            : `${this.string(['NaN', 'Infinity', '-Infinity'].includes(String(s.value)) ? String(s.value) : 'NaN')}::DOUBLE`;
        if (s.type === 'dynamic') return `${this.string(String(s.value))}::JSON`;
        // Numbers only: a long beyond 2^53 arrives as its digits, checked here before they reach SQL.
        if (typeof s.value === 'number') return String(s.value);
        if (typeof s.value === 'string' && /^-?\d+$/.test(s.value)) return s.value;
        throw new UnsupportedError(`the ${s.type} literal ${JSON.stringify(s.value)}`);
      case 'not':
        return `(NOT ${this.scalar(s.operand)})`;
      case 'in': {
        const fold = (x: Scalar): string =>
          s.caseInsensitive ? `lower(${this.as(x, 'string')})` : this.as(x, s.operand.type);
        if (s.query) {
          // The first column of the query; a value that is not there is false (never null), so
          // `!in` keeps the row as Kusto does.
          const q = this.plain(this.tabular(s.query));
          const first = this.ident(q.columns[0]);
          const inner = s.caseInsensitive ? `lower(${first})` : first;
          const test = `coalesce(${fold(s.operand)} IN (SELECT ${inner} FROM (${q.sql}) WHERE ${first} IS NOT NULL), false)`;
          return s.negated ? `(NOT ${test})` : `(${test})`;
        }
        const values = s.values.flatMap((v) => (v.type === 'dynamic' ? arrayElements(v, 'in') : [v]));
        if (values.length === 0) return s.negated ? 'true' : 'false';
        const test = `${fold(s.operand)} IN (${values.map(fold).join(', ')})`;
        return s.negated ? `(NOT ${test})` : `(${test})`;
      }
      case 'index':
        return this.element(s.base, s.key);
      case 'scalarQuery': {
        // toscalar(): the first column of the first row (a string: "" when there is none).
        const q = this.plain(this.tabular(s.query));
        const v = `(SELECT ${this.ident(q.columns[0])} FROM (${q.sql}) LIMIT 1)`;
        return s.type === 'string' ? `coalesce(${v}, '')` : v;
      }
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
        // timespan / timespan is a real: how many of one fit in the other.
        if (s.left.type === 'timespan' && s.right.type === 'timespan')
          return `(${this.microseconds(l)}::DOUBLE / nullif(${this.microseconds(r)}, 0))`;
        // long / long truncates toward zero; a remainder-free numerator divides exactly.
        if (integral(s.left) && integral(s.right))
          return `(CASE WHEN ${r} = 0 THEN NULL ELSE ((${l}) - (${l}) % (${r})) // (${r}) END)`;
        return `((${l}) / (${r}))`;
      case '%':
        // Kusto's modulo is never negative: 0 <= N % D < abs(D) (-14 % 12 is 10, SQL's is -2).
        if (s.left.type === 'timespan' || s.right.type === 'timespan') return `(${l} % ${r})`;
        return `(((${l}) % (${r}) + abs(${r})) % abs(${r}))`;
      case '+':
      case '-':
      case '*':
        // Kusto's integer arithmetic is 64-bit: SQL would type 2147483647 + 1 as INT32 and fail.
        if (integral(s.left) && integral(s.right)) return `(CAST(${l} AS BIGINT) ${s.op} ${r})`;
        return `(${l} ${s.op} ${r})`;
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
  protected comparable(left: Scalar, right: Scalar): [string, string] {
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
      throw new UnsupportedError('has with a search term that is not a constant');
    const term = cs ? needle.value : needle.value.toLowerCase();
    if (term === '') return 'true';
    const word = /^[\p{L}\p{N}]/u;
    const escaped = escapeRegex(term);
    const before = word.test(term) ? '(^|[^\\pL\\pN])' : '';
    const after = word.test([...term].pop() ?? '') ? '($|[^\\pL\\pN])' : '';
    return `regexp_matches(${haystack}, ${this.string(before + escaped + after)})`;
  }

  /**
   * split(s, d) as a SQL list of strings, not yet JSON: what mv-expand, an index and tostring()
   * of an element read directly (seed 000 expands and indexes the public-IP lists this way), where
   * the JSON round trip cost 3.6x the hand-written SQL. Only for a split() call (see isSplit).
   */
  protected stringList(x: Scalar): string {
    if (x.kind !== 'call' || x.fn !== 'split')
      throw new Error('stringList() of a scalar that is not split()');
    return `string_split(${this.as(x.args[0], 'string')}, ${this.as(x.args[1], 'string')})`;
  }

  /** Whether a scalar is split(s, d): a list of strings that needs no JSON to expand or index. */
  protected isSplit(x: Scalar): boolean {
    return x.kind === 'call' && x.fn === 'split' && x.args.length === 2;
  }

  /** A position in a SQL list for Kusto's 0-based index (negative from the end), as a constant. */
  private listPosition(key: Scalar): number | null {
    return key.kind === 'literal' && typeof key.value === 'number' && Number.isInteger(key.value)
      ? key.value >= 0
        ? key.value + 1
        : key.value
      : null;
  }

  /** What mv-expand makes of one value: the list of values, one per row. */
  protected expansion(v: string): string {
    return `CASE json_type(${v}) WHEN 'ARRAY' THEN CAST(${v} AS JSON[])
      WHEN 'OBJECT' THEN list_transform(map_entries(CAST(${v} AS MAP(VARCHAR, JSON))), p -> json_object(p.key, p.value))
      ELSE [${v}] END`;
  }

  /** An element of a dynamic value; negative positions count from the end, out of range is null. */
  private element(base: Scalar, key: Scalar): string {
    if (base.type !== 'dynamic') throw new UnsupportedError(`indexing a value of type ${base.type}`);
    const position = this.listPosition(key);
    // A list index out of range is NULL, as Kusto's is null.
    if (this.isSplit(base) && position !== null) return `to_json(${this.stringList(base)}[${position}])`;
    if (key.kind !== 'literal') throw new UnsupportedError('an index that is not a constant');
    let path: string;
    if (typeof key.value === 'number' && Number.isInteger(key.value))
      path = key.value >= 0 ? `$[${key.value}]` : `$[#${key.value}]`;
    else if (typeof key.value === 'string') path = `$."${key.value.replace(/["\\]/g, '\\$&')}"`;
    else throw new UnsupportedError(`the index ${String(key.value)}`);
    return `json_extract(${this.scalar(base)}, ${this.string(path)})`;
  }

  /**
   * A value as another type, as Kusto converts: a dynamic value to a string is its text (a string
   * without quotes, anything else as JSON, null as ""); to a number, its text parsed (null if it is
   * not one); any value to dynamic, its JSON.
   */
  protected as(x: Scalar, type: KqlType): string {
    // A textual dynamic column read as another type: its text as a dynamic string's would be read.
    if (x.kind === 'column' && this.textual.has(x.name) && type !== 'dynamic') {
      const v = this.ident(x.name);
      return type === 'string' ? `coalesce(${v}, '')` : this.fromText(v, type);
    }
    // tostring(split(s, d)[i]): the element itself, with no JSON in between.
    if (type === 'string' && x.kind === 'index' && this.isSplit(x.base)) {
      const position = this.listPosition(x.key);
      if (position !== null) return `coalesce(${this.stringList(x.base)}[${position}], '')`;
    }
    const v = this.scalar(x);
    if (x.type === type) return v;
    if (type === 'dynamic') return `to_json(${v})`;
    if (x.type === 'dynamic') {
      const t = `json_extract_string(${v}, '$')`;
      return type === 'string' ? `coalesce(${t}, '')` : this.fromText(t, type);
    }
    if (type === 'string') {
      if (x.type === 'datetime') return `coalesce(${this.datetimeText(v)}, '')`;
      if (x.type === 'timespan') return `coalesce(${this.timespanText(this.microseconds(v))}, '')`;
      if (x.type === 'real') return `coalesce(${this.realText(v)}, '')`;
      // A decimal without its trailing zeros (DuckDB's DECIMAL(38, 10) text has ten places).
      if (x.type === 'decimal') return `coalesce(regexp_replace(CAST(${v} AS VARCHAR), '\\.?0+$', ''), '')`;
      // Longs, ints and bools: Kusto spells them exactly as SQL's casts do.
      return `coalesce(CAST(${v} AS VARCHAR), '')`;
    }
    if (x.type === 'string') return this.fromText(v, type);
    // toint()/tolong() of a real truncate toward zero (toint(3.5) is 3); SQL's cast rounds.
    if ((type === 'long' || type === 'int') && (x.type === 'real' || x.type === 'decimal'))
      return `TRY_CAST(trunc(${v}) AS ${this.sqlType(type)})`;
    return `TRY_CAST(${v} AS ${this.sqlType(type)})`;
  }

  /**
   * Text (never NULL unless it is missing altogether) as a value of a type, as Kusto's to*()
   * functions read it: a number's digits, "true"/"false" in any case, a datetime with or without
   * a zone (UTC without) or as month/day/year, Kusto's timespan spelling, JSON (or the text as a dynamic string).
   * Anything else is null.
   */
  protected fromText(text: string, type: KqlType): string {
    switch (type) {
      case 'string':
        return text;
      case 'bool':
        return `(CASE lower(trim(${text})) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'false' THEN false WHEN '0' THEN false END)`;
      // Digits only (toint("5.9") is null, not 6; DuckDB would also take "1_000").
      case 'long':
      case 'int':
        return `(CASE WHEN regexp_full_match(trim(${text}), '[+-]?[0-9]+') THEN TRY_CAST(trim(${text}) AS ${this.sqlType(type)}) END)`;
      case 'real':
        return `(CASE WHEN regexp_full_match(lower(trim(${text})), '[+-]?(([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?|nan|inf|infinity)') THEN TRY_CAST(trim(${text}) AS DOUBLE) END)`;
      case 'datetime':
        // ISO 8601 and the like with or without a zone; else the US month/day/year Kusto also reads.
        return `coalesce(TRY_CAST(TRY_CAST(${text} AS TIMESTAMPTZ) AS TIMESTAMP), try_strptime(${text}, ['%m/%d/%Y %H:%M:%S', '%m/%d/%Y']))`;
      case 'timespan':
        return this.timespanFromText(text);
      case 'dynamic':
        return `(CASE WHEN json_valid(${text}) THEN ${text}::JSON ELSE to_json(${text}) END)`;
      default:
        return `TRY_CAST(${text} AS ${this.sqlType(type)})`;
    }
  }

  /** A datetime as Kusto's tostring() spells it: ISO 8601, seven fraction digits if any, Z. */
  protected datetimeText(v: string): string {
    const us = `(epoch_us(${v}) % 1000000 + 1000000) % 1000000`;
    return `(strftime(${v}, '%Y-%m-%dT%H:%M:%S') || CASE WHEN ${us} <> 0 THEN '.' || lpad(CAST(${us} AS VARCHAR), 6, '0') || '0' ELSE '' END || 'Z')`;
  }

  /**
   * A real as Kusto's tostring() spells it (.NET's shortest round-trip form): no `.0` on whole
   * numbers, `E+15` notation from 1e15 and below 1e-4 (`1E-05`), NaN and ±Infinity spelled out.
   * DuckDB's text has the same shortest digits; only the notation differs.
   */
  protected realText(v: string): string {
    const text = `CAST(abs(${v}) AS VARCHAR)`;
    const digits = `rtrim(replace(${text}, '.', ''), '0')`;
    const e15 = `left(${digits}, 1) || CASE WHEN length(${digits}) > 1 THEN '.' || substr(${digits}, 2) ELSE '' END || 'E+15'`;
    return `(CASE WHEN isnan(${v}) THEN 'NaN' WHEN isinf(${v}) THEN CASE WHEN ${v} > 0 THEN 'Infinity' ELSE '-Infinity' END
      WHEN abs(${v}) >= 1e15 AND abs(${v}) < 1e16 THEN CASE WHEN ${v} < 0 THEN '-' ELSE '' END || ${e15}
      ELSE regexp_replace(replace(CAST(${v} AS VARCHAR), 'e', 'E'), '\\.0$', '') END)`;
  }

  /** A datetime as Kusto writes one in a dynamic value: ISO 8601 with seven fraction digits and Z. */
  protected datetimeJson(v: string): string {
    return `(strftime(${v}, '%Y-%m-%dT%H:%M:%S.%f') || '0Z')`;
  }

  /** Microseconds as Kusto spells a timespan: [-][d.]hh:mm:ss[.fffffff] (as values.ts prints it). */
  protected timespanText(us: string): string {
    const a = `abs(${us})`;
    const part = (div: number, mod: number): string =>
      `lpad(CAST((${a} % ${mod}) // ${div} AS VARCHAR), 2, '0')`;
    return (
      `(CASE WHEN ${us} < 0 THEN '-' ELSE '' END` +
      ` || CASE WHEN ${a} >= 86400000000 THEN CAST(${a} // 86400000000 AS VARCHAR) || '.' ELSE '' END` +
      ` || ${part(3600000000, 86400000000)} || ':' || ${part(60000000, 3600000000)} || ':' || ${part(1000000, 60000000)}` +
      ` || CASE WHEN ${a} % 1000000 <> 0 THEN '.' || lpad(CAST(${a} % 1000000 AS VARCHAR), 6, '0') || '0' ELSE '' END)`
    );
  }

  /**
   * Text in Kusto's timespan format, [-][d.]hh:mm[:ss[.fffffff]], as a timespan; anything else is
   * null, as totimespan() gives. Ticks beyond the microsecond are dropped (see docs/kql.md).
   */
  protected timespanFromText(text: string): string {
    const re = this.string('^(-?)(?:(\\d+)\\.)?(\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,7}))?)?$');
    const g = (i: number): string => `regexp_extract(${text}, ${re}, ${i})`;
    const n = (i: number): string => `coalesce(TRY_CAST(nullif(${g(i)}, '') AS BIGINT), 0)`;
    const us =
      `(${n(2)} * 86400000000 + ${n(3)} * 3600000000 + ${n(4)} * 60000000 + ${n(5)} * 1000000` +
      ` + coalesce(TRY_CAST(nullif(left(rpad(${g(6)}, 7, '0'), 6), '') AS BIGINT), 0))`;
    return `(CASE WHEN regexp_matches(${text}, ${re}) THEN ${this.fromMicroseconds(`(CASE WHEN ${g(1)} = '-' THEN -1 ELSE 1 END * ${us})`)} END)`;
  }

  /**
   * row_number([start]), prev(x[, offset[, default]]), next(...) and row_cumsum(x): over the rows
   * in order (the window `over` set from the input's SERIAL). Restart arguments are refused.
   */
  private rowFunction(s: Extract<Scalar, { kind: 'call' }>, a: readonly string[]): string {
    if (this.window === null)
      throw new UnsupportedError(`${s.fn}() outside where, extend, project or serialize`);
    const over = `OVER (${this.window})`;
    switch (s.fn) {
      case 'row_number':
        if (s.args.length > 1) throw new UnsupportedError('row_number() with a restart condition');
        return `(row_number() ${over} + ${s.args.length ? `(${a[0]}) - 1` : '0'})`;
      case 'row_cumsum':
        if (s.args.length > 1) throw new UnsupportedError('row_cumsum() with a restart condition');
        return `CAST(sum(${a[0]}) ${over.slice(0, -1)} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ${this.sqlType(s.type)})`;
      default: {
        // prev/next: the value `offset` rows before/after (a constant), else the default (null).
        const offset = s.args.length > 1 ? a[1] : '1';
        const fallback = s.args.length > 2 ? this.as(s.args[2], s.type) : 'NULL';
        return `${s.fn === 'prev' ? 'lag' : 'lead'}(${a[0]}, ${offset}, ${fallback}) ${over}`;
      }
    }
  }

  protected call(s: Extract<Scalar, { kind: 'call' }>): string {
    const a = s.args.map((x) => this.scalar(x));
    switch (s.fn) {
      case 'strlen':
        return `length(${a[0]})`;
      // Kusto takes any scalar and converts it to text first (toupper(2) is "2").
      case 'tolower':
        return `lower(${s.args[0].type === 'string' ? a[0] : this.as(s.args[0], 'string')})`;
      case 'toupper':
        return `upper(${s.args[0].type === 'string' ? a[0] : this.as(s.args[0], 'string')})`;
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
        // Numbers, bools and strings concatenate as SQL spells them; other types as tostring() does.
        return `concat(${s.args.map((x, i) => (['string', 'long', 'int', 'bool'].includes(x.type) ? a[i] : this.as(x, 'string'))).join(', ')})`;
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
        // An array of strings, as JSON; with a third argument, the array of the one element at
        // that position (empty if there is none), as Kusto's split("a_b_c", "_", 1) is ["b"].
        const parts = this.stringList(s);
        if (s.args.length < 3) return `to_json(${parts})`;
        const i = this.as(s.args[2], 'long');
        return `to_json(CASE WHEN ${i} >= 0 THEN list_slice(${parts}, ${i} + 1, ${i} + 1) ELSE []::VARCHAR[] END)`;
      }
      case 'todynamic':
      case 'parse_json': {
        if (s.args[0].type === 'dynamic') return a[0];
        // A string that is not JSON becomes a dynamic string, as in Kusto.
        return s.args[0].type === 'string'
          ? this.fromText(this.as(s.args[0], 'string'), 'dynamic')
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
      case 'between':
      case '!between': {
        const [x, lo, hi] = s.args;
        const [v, l] = this.comparable(x, lo);
        const h = this.comparable(x, hi)[1];
        const test = `(${v} BETWEEN ${l} AND ${h})`;
        return s.fn === 'between' ? test : `(NOT ${test})`;
      }
      case 'has_any':
      case 'has_all': {
        // Each term as `has` reads it (whole terms, case folded); an empty list matches nothing.
        const x = `lower(${this.as(s.args[0], 'string')})`;
        const tests = s.args.slice(1).map((t) => this.hasTerm(x, t, false));
        if (tests.length === 0) return 'false';
        return `(${tests.join(s.fn === 'has_any' ? ' OR ' : ' AND ')})`;
      }
      case 'matches_regex':
        return `regexp_matches(${this.as(s.args[0], 'string')}, ${this.as(s.args[1], 'string')})`;
      case 'substring': {
        // 0-based start; a negative one counts from the end (substring("123456", -2, 2) is "56");
        // the length is optional.
        const text = this.as(s.args[0], 'string');
        const start = `(CASE WHEN ${a[1]} < 0 THEN greatest(length(${text}) + ${a[1]}, 0) ELSE ${a[1]} END) + 1`;
        return s.args.length > 2
          ? `substring(${text}, ${start}, greatest(${a[2]}, 0))`
          : `substring(${text}, ${start})`;
      }
      case 'indexof':
        if (s.args.length > 2) throw new UnsupportedError('indexof() with a start, length or occurrence');
        // 0-based; -1 when absent.
        return `(strpos(${this.as(s.args[0], 'string')}, ${this.as(s.args[1], 'string')}) - 1)::BIGINT`;
      case 'replace_string':
        return `replace(${this.as(s.args[0], 'string')}, ${this.as(s.args[1], 'string')}, ${this.as(s.args[2], 'string')})`;
      case 'replace_regex':
        return `regexp_replace(${this.as(s.args[0], 'string')}, ${this.as(s.args[1], 'string')}, ${this.as(s.args[2], 'string')}, 'g')`;
      case 'extract': {
        if (s.args.length > 3) throw new UnsupportedError('extract() with a type');
        const group = s.args[1];
        if (group.kind !== 'literal' || typeof group.value !== 'number')
          throw new UnsupportedError('extract() with a group that is not a constant');
        // No match is null in Kusto, which a string reads as "".
        return `regexp_extract(${this.as(s.args[2], 'string')}, ${this.as(s.args[0], 'string')}, ${group.value})`;
      }
      case 'strcat_delim':
        return `concat_ws(${s.args.map((x) => this.as(x, 'string')).join(', ')})`;
      case 'tobool':
      case 'toboolean': {
        const x = s.args[0];
        if (x.type === 'bool') return a[0];
        if (['long', 'int', 'real', 'decimal'].includes(x.type)) return `((${a[0]}) <> 0)`;
        return this.fromText(this.as(x, 'string'), 'bool');
      }
      case 'totimespan':
        return this.as(s.args[0], 'timespan');
      case 'todatetime':
        if (s.args[0].type === 'datetime') return a[0];
        return this.fromText(this.as(s.args[0], 'string'), 'datetime');
      case 'startofday':
      case 'startofmonth':
      case 'startofyear':
        if (s.args.length > 1) throw new UnsupportedError(`${s.fn}() with an offset`);
        return `date_trunc('${s.fn.slice(7)}', ${a[0]})`;
      case 'startofweek':
        if (s.args.length > 1) throw new UnsupportedError(`${s.fn}() with an offset`);
        // Kusto's weeks start on Sunday.
        return `(${a[0]}::DATE - dayofweek(${a[0]})::INTEGER)::TIMESTAMP`;
      case 'datetime_part': {
        const part = s.args[0];
        const parts: Record<string, string> = {
          year: 'year',
          quarter: 'quarter',
          month: 'month',
          week_of_year: 'week',
          day: 'day',
          dayofyear: 'doy',
          hour: 'hour',
          minute: 'minute',
          second: 'second',
          millisecond: 'millisecond',
          microsecond: 'microsecond',
        };
        const name = part.kind === 'literal' ? parts[String(part.value).toLowerCase()] : undefined;
        if (!name)
          throw new UnsupportedError(
            `datetime_part() of ${JSON.stringify(part.kind === 'literal' ? part.value : '?')}`,
            0,
          );
        // Kusto's millisecond and microsecond are the fraction only; DuckDB's include the seconds.
        if (name === 'millisecond') return `(millisecond(${a[1]}) % 1000)::INTEGER`;
        if (name === 'microsecond') return `(microsecond(${a[1]}) % 1000000)::INTEGER`;
        return `date_part('${name}', ${a[1]})::INTEGER`;
      }
      case 'dayofweek':
        // A timespan: days since the Sunday before.
        return this.fromMicroseconds(`(dayofweek(${a[0]})::BIGINT * 86400000000)`);
      case 'hourofday':
        return `hour(${a[0]})::INTEGER`;
      case 'getyear':
        return `year(${a[0]})::INTEGER`;
      case 'getmonth':
        return `month(${a[0]})::INTEGER`;
      case 'format_datetime':
        return `strftime(${a[0]}, ${this.string(strftimeFormat(s.args[1]))})`;
      case 'floor':
      case 'bin_at':
        if (s.fn === 'bin_at') {
          if (s.args[0].type !== 'datetime') throw new UnsupportedError(`bin_at() of ${s.args[0].type}`);
          return this.binTime(a[0], a[1], a[2]);
        }
        return this.call({ ...s, fn: 'bin' });
      case 'abs':
        // A timespan's magnitude: DuckDB has no abs() of an INTERVAL.
        if (s.args[0].type === 'timespan') return this.fromMicroseconds(`abs(${this.microseconds(a[0])})`);
        return `abs(${a[0]})`;
      case 'exp':
        return `exp(${a[0]})`;
      case 'sqrt':
        // Out of the domain is null, as in Kusto (SQL would fail or give NaN).
        return `(CASE WHEN (${a[0]}) >= 0 THEN sqrt(${a[0]}) END)`;
      case 'log':
      case 'log10':
        // Kusto's log is the natural logarithm.
        return `(CASE WHEN (${a[0]}) > 0 THEN ${s.fn === 'log' ? 'ln' : 'log10'}(${a[0]}) END)`;
      case 'pow':
        return `pow((${a[0]})::DOUBLE, ${a[1]})`;
      case 'pack_array':
        return `json_array(${s.args.map((x) => this.as(x, 'dynamic')).join(', ')})`;
      case 'pack':
      case 'bag_pack': {
        const pairs: string[] = [];
        for (let i = 0; i + 1 < s.args.length; i += 2)
          pairs.push(`${this.as(s.args[i], 'string')}, ${this.as(s.args[i + 1], 'dynamic')}`);
        return `json_object(${pairs.join(', ')})`;
      }
      case 'set_union': {
        // The distinct elements of all the arrays, sorted (Kusto leaves the order unspecified).
        const lists = s.args.map((x) => `CAST(${this.as(x, 'dynamic')} AS JSON[])`);
        return `to_json(list_sort(list_distinct(flatten([${lists.join(', ')}]))))`;
      }
      case 'parse_ipv4':
        return ipv4Number(this.as(s.args[0], 'string'));
      case 'ipv6_compare':
      case 'ipv6_is_match': {
        // Both sides (and the optional prefix argument) masked to the shortest prefix, then compared.
        const [x, y] = [ipv6Masked(this.as(s.args[0], 'string')), ipv6Masked(this.as(s.args[1], 'string'))];
        const cmp = ipv6Compare(x, y, s.args.length > 2 ? this.as(s.args[2], 'long') : undefined);
        return s.fn === 'ipv6_compare' ? cmp : `(${cmp} = 0)`;
      }
      case 'ipv6_is_in_range': {
        // The address's first bits, as many as the range's prefix, equal the range's.
        const range = ipv6Masked(this.as(s.args[1], 'string'));
        const ip = { value: ipv6Masked(this.as(s.args[0], 'string')).value, bits: '128' };
        return `(${ipv6Compare(ip, range)} = 0)`;
      }
      case 'parse_ipv6':
        return ipv6Text(ipv6Masked(this.as(s.args[0], 'string')));
      case 'ipv4_compare':
      case 'ipv4_is_match': {
        const [x, y] = [ipv4Masked(this.as(s.args[0], 'string')), ipv4Masked(this.as(s.args[1], 'string'))];
        // Both sides (and the optional prefix argument) masked to the shortest prefix, then compared.
        const bits = `least(${x.bits}, ${y.bits}${s.args.length > 2 ? `, ${this.as(s.args[2], 'long')}` : ''})`;
        const masked = (v: string): string => `(${v} >> (32 - ${bits}))`;
        const cmp = `sign(${masked(x.value)}::BIGINT - ${masked(y.value)}::BIGINT)::BIGINT`;
        return s.fn === 'ipv4_compare' ? cmp : `(${cmp} = 0)`;
      }
      case 'array_length':
        return `(CASE WHEN json_type(${a[0]}) = 'ARRAY' THEN json_array_length(${a[0]})::BIGINT END)`;
      case 'ipv4_is_private':
        return sqlIsPrivateText(this.as(s.args[0], 'string'));
      case 'ipv4_is_in_range':
        return this.ipv4InRange(s.args[0], s.args[1]);
      case 'ipv4_is_in_any_range': {
        // Ranges as arguments, or as one array of them (a constant, often a `let`).
        const ranges = s.args.slice(1).flatMap((r) => (r.type === 'dynamic' ? arrayElements(r, s.fn) : [r]));
        if (ranges.length === 0) return 'false';
        return `(${ranges.map((r) => this.ipv4InRange(s.args[0], r)).join(' OR ')})`;
      }
      case 'datetime_diff': {
        // datetime1 - datetime2 in whole periods crossed, as Kusto counts them (weeks from Sunday).
        const part = datePart(s.args[0], s.fn);
        const [d1, d2] = [a[1], a[2]];
        if (part === 'week') {
          const sunday = (d: string): string => `(${d}::DATE - dayofweek(${d})::INTEGER)`;
          return `(date_diff('day', ${sunday(d2)}, ${sunday(d1)}) // 7)`;
        }
        if (part === 'nanosecond') return `(date_diff('microsecond', ${d2}, ${d1}) * 1000)`;
        return `date_diff('${part}', ${d2}, ${d1})`;
      }
      case 'datetime_add': {
        const part = datePart(s.args[0], s.fn);
        const n = this.as(s.args[1], 'long');
        const steps: Record<string, string> = {
          year: `to_years(${n}::INTEGER)`,
          quarter: `to_months(3 * ${n}::INTEGER)`,
          month: `to_months(${n}::INTEGER)`,
          week: `to_days(7 * ${n}::INTEGER)`,
          day: `to_days(${n}::INTEGER)`,
          hour: `to_hours(${n})`,
          minute: `to_minutes(${n})`,
          second: `to_seconds(${n})`,
          millisecond: `to_milliseconds(${n})`,
          microsecond: `to_microseconds(${n})`,
          nanosecond: `to_microseconds(${n} // 1000)`,
        };
        return `(${a[2]} + ${steps[part]})`;
      }
      case 'tostring':
        return this.as(s.args[0], 'string');
      case 'row_number':
      case 'prev':
      case 'next':
      case 'row_cumsum':
        return this.rowFunction(s, a);
      case 'now':
        return this.nowSql();
      case 'ago':
        return `(${this.nowSql()} - ${a[0]})`;
      case 'bin':
        if (s.args[0].type === 'datetime') return this.binTime(a[0], a[1]);
        if (s.args[0].type === 'long' || s.args[0].type === 'int')
          return `(floor((${a[0]}) / (${a[1]}))::BIGINT * (${a[1]}))`;
        throw new UnsupportedError(`bin() of ${s.args[0].type}`);
      default:
        throw new UnsupportedError(`the function ${s.fn}()`);
    }
  }
}

/**
 * The elements of a constant dynamic array (a `dynamic([...])` literal, often through a `let`), as
 * typed literals: what `in` and ipv4_is_in_any_range() spread a dynamic argument into.
 */
function arrayElements(v: Scalar, where: string): Scalar[] {
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

/** The period of datetime_diff() and datetime_add(): a constant, as DuckDB names it. */
function datePart(p: Scalar, fn: string): string {
  const parts = [
    'year',
    'quarter',
    'month',
    'week',
    'day',
    'hour',
    'minute',
    'second',
    'millisecond',
    'microsecond',
    'nanosecond',
  ];
  const name = p.kind === 'literal' && typeof p.value === 'string' ? p.value.toLowerCase() : '';
  if (!parts.includes(name))
    throw new UnsupportedError(
      `${fn}() of the period ${JSON.stringify(p.kind === 'literal' ? p.value : '?')}`,
      0,
    );
  return name;
}

/** Kusto's format_datetime tokens, as strftime spells them. */
const DATETIME_TOKENS: readonly (readonly [string, string])[] = [
  ['yyyy', '%Y'],
  ['yy', '%y'],
  ['MM', '%m'],
  ['dd', '%d'],
  ['HH', '%H'],
  ['hh', '%I'],
  ['mm', '%M'],
  ['ss', '%S'],
  ['ffffff', '%f'],
  ['fff', '%g'],
  ['tt', '%p'],
];

/** A constant format_datetime format as a strftime format; tokens it cannot map are refused. */
function strftimeFormat(f: Scalar): string {
  if (f.kind !== 'literal' || typeof f.value !== 'string')
    throw new UnsupportedError('format_datetime() with a format that is not a constant');
  let out = '';
  let rest = f.value;
  while (rest) {
    const token = DATETIME_TOKENS.find(([k]) => rest.startsWith(k));
    if (token) {
      out += token[1];
      rest = rest.slice(token[0].length);
    } else if (/^[A-Za-z]/.test(rest)) {
      throw new UnsupportedError(
        `format_datetime() format token ${JSON.stringify(/^([A-Za-z])\1*/.exec(rest)?.[0])}`,
        0,
      );
    } else {
      out += rest[0] === '%' ? '%%' : rest[0];
      rest = rest.slice(1);
    }
  }
  return out;
}

/**
 * Runs a step of compiling `node`; a refusal that does not say where (the compiler sees IR, not
 * text) gets the node's position, so the innermost node with one names the spot.
 */
function located<T>(node: object, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof UnsupportedError && err.start === undefined) {
      const at = positionOf(node);
      if (at !== undefined) throw new UnsupportedError(err.construct, at);
    }
    throw err;
  }
}
