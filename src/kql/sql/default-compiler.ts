import type {
  ApplyInput,
  ArgBest,
  Binary,
  Call,
  Count,
  Distinct,
  Expansion,
  Extend,
  Join,
  KqlType,
  MakeSeries,
  MvApply,
  MvExpand,
  Parse,
  Project,
  Query,
  Rows,
  Scalar,
  Sort,
  Summarize,
  Table,
  Tabular,
  Take,
  Union,
  Where,
} from '../ir.js';
import { columnRefs, positionOf, someScalar } from '../ir.js';
import { UnsupportedError } from '../lower/unsupported.js';
import { escapeRegex } from '../regex.js';
import { arrayElements } from '../functions/dynamic.js';
import type { AggregateFunction, ScalarFunction, SqlContext } from '../functions/function.js';
import {
  aggregateFunctions,
  overridden,
  scalarFunctions,
  type FunctionTable,
} from '../functions/registry.js';
import { publicColumns, tables } from '../../schema/tables.js';
import { ipv4Range, sqlIpv4Number } from '../../enrich/ip.js';
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
 * take default to descending with nulls last.
 *
 * Each IR node kind is one visit method; each function is one entry of the registry
 * (src/kql/functions/), which a dialect may override by name. What SQL dialects spell differently
 * in the operators (selecting all columns but some, JSON values, lists, lateral joins, regex
 * captures) are the abstract hooks below, which a dialect implements (see duckdb-compiler.ts).
 */
export abstract class DefaultCompiler implements SqlContext {
  /** `readScope` replaces tables and now() for scheduled runs (see read-scope.ts). */
  constructor(
    private readonly clock: Date,
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
  /** The scalar compiled next is a where clause's test (see predicate()). */
  private positive = false;

  /** A dialect's own entries for functions whose SQL differs from the registry's. */
  protected functionOverrides(): readonly ScalarFunction[] {
    return [];
  }

  /** A dialect's own entries for aggregates whose SQL differs from the registry's. */
  protected aggregateOverrides(): readonly AggregateFunction[] {
    return [];
  }

  private functionTable?: FunctionTable<ScalarFunction>;
  private aggregateTable?: FunctionTable<AggregateFunction>;

  /** The scalar functions this dialect compiles: the registry with its overrides. */
  protected get functions(): FunctionTable<ScalarFunction> {
    return (this.functionTable ??= overridden(scalarFunctions, this.functionOverrides()));
  }

  /** The aggregates this dialect compiles: the registry with its overrides. */
  protected get aggregates(): FunctionTable<AggregateFunction> {
    return (this.aggregateTable ??= overridden(aggregateFunctions, this.aggregateOverrides()));
  }

  now(): string {
    return this.readScope?.now ?? this.timestamp(this.clock.toISOString());
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
  string(value: string): string {
    const parts = value.split('\u0000').map((p) => `'${p.replace(/'/g, "''")}'`);
    return parts.length === 1 ? parts[0] : `(${parts.join(' || chr(0) || ')})`;
  }

  protected abstract timestamp(iso: string): string;
  protected abstract interval(microseconds: number): string;
  abstract binTime(value: string, size: string, origin?: string): string;
  /** A count of microseconds (a BIGINT expression) as a timespan. */
  abstract fromMicroseconds(value: string): string;
  /** A timespan as a count of microseconds. */
  abstract microseconds(value: string): string;
  /**
   * The select list of every input column but `except` (SQL text of names), with `replace` (items
   * `expr AS "name"`) in place of the columns they name: `*` when both are empty.
   */
  protected abstract star(except: readonly string[], replace?: readonly string[]): string;
  /** Any value as a JSON (dynamic) value. */
  protected abstract toJson(value: string): string;
  /** Text known to be JSON (a literal or a column checked first) as a JSON value. */
  protected abstract json(text: string): string;
  /** A list of `count` values, `element` computed for `k` from 0 (`k` names it in `element`). */
  protected abstract listOf(count: string, k: string, element: string): string;
  /** What mv-expand makes of one dynamic value: the list of values, one per row. */
  protected abstract expansion(v: string): string;
  /** Each row of `outer` (as `o`) beside the rows `inner` computes from it (as `i`). */
  protected abstract lateral(outer: string, o: string, inner: string, i: string): string;
  /**
   * The capture groups of a regex over a text, as a struct whose fields are `names` (string
   * literals g1, g2...), or NULL when it does not match.
   */
  protected abstract regexCaptures(text: string, re: string, names: readonly string[]): string;

  /** ipv4_is_in_range(ip, "a.b.c.d/n"): the prefix must be a constant (a literal or a scalar let). */
  ipv4InRange(ip: Scalar, range: Scalar): string {
    if (range.kind !== 'literal' || typeof range.value !== 'string')
      throw new UnsupportedError('ipv4_is_in_range() with a range that is not a constant');
    const r = ipv4Range(range.value);
    // Kusto returns null for an invalid range or address.
    if (!r) return 'NULL';
    return `(${sqlIpv4Number(this.scalar(ip))} BETWEEN ${r.start} AND ${r.end})`;
  }

  /** The window of the current input's rows in order, for row functions; null if it has none. */
  rowWindow(): string | null {
    return this.window;
  }

  /** Whether a scalar calls a row function (one that reads the rows before or after, in order). */
  private usesRows(s: Scalar): boolean {
    return someScalar(s, (x) => x.kind === 'call' && this.functions.get(x.fn)?.rows === true);
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
    const rows = exprs.some((e) => this.usesRows(e));
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
    if (!input.serial || !exprs.some((e) => this.usesRows(e))) return { sql, serial: input.serial };
    const ordered = `${sql} ORDER BY ${this.ident(input.serial)}`;
    return serial
      ? { sql: ordered, serial: input.serial }
      : { sql: `SELECT ${this.star([this.ident(input.serial)])} FROM (${ordered})` };
  }

  /** An input with its textual dynamic columns turned into JSON, for operators that read them raw. */
  private plain(input: Compiled): Compiled {
    if (!input.textual?.size) return input;
    const json = [...input.textual].map((c) => `${this.toJson(this.ident(c))} AS ${this.ident(c)}`);
    return {
      sql: `SELECT ${this.star([], json)} FROM (${input.sql})`,
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
      (s.kind === 'call' && this.functions.get(s.fn)?.nonNull === true)
    );
  }

  /** The output names of named scalars that never yield NULL, in the current scope. */
  private nonNullNamed(cols: readonly { readonly name: string; readonly expr: Scalar }[]): Set<string> {
    return new Set(cols.filter((c) => this.nonNullScalar(c.expr)).map((c) => c.name));
  }

  /** One tabular node, by its kind: each kind is one visit method below. */
  private node(t: Tabular, need: Need, serial: boolean): Compiled {
    switch (t.kind) {
      case 'table':
        return this.visitTable(t, need);
      case 'where':
        return this.visitWhere(t, need, serial);
      case 'extend':
        return this.visitExtend(t, need, serial);
      case 'project':
        return this.visitProject(t, need, serial);
      case 'summarize':
        return this.visitSummarize(t);
      case 'sort':
        return this.visitSort(t, need, serial);
      case 'take':
        return this.visitTake(t, need, serial);
      case 'distinct':
        return this.visitDistinct(t);
      case 'join':
        return this.visitJoin(t);
      case 'rows':
        return this.visitRows(t);
      case 'union':
        return this.visitUnion(t);
      case 'argBest':
        return this.visitArgBest(t);
      case 'mvExpand':
        return this.visitMvExpand(t, need);
      case 'mvApply':
        return this.visitMvApply(t);
      case 'applyInput':
        return this.visitApplyInput(t);
      case 'parse':
        return this.visitParse(t, need, serial);
      case 'makeSeries':
        return this.visitMakeSeries(t);
      case 'count':
        return this.visitCount(t);
      default: {
        const never: never = t;
        throw new Error(`unhandled IR node ${JSON.stringify(never)}`);
      }
    }
  }

  private visitTable(t: Table, need: Need): Compiled {
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

  private visitWhere(t: Where, need: Need, serial: boolean): Compiled {
    const input = this.passThrough(t.input, [t.predicate], need, serial);
    return {
      ...this.ordered(
        input,
        `SELECT * FROM (${input.sql}) WHERE ${this.predicate(t.predicate)}`,
        [t.predicate],
        serial,
      ),
      columns: input.columns,
      nonNull: input.nonNull,
      textual: input.textual,
    };
  }

  private visitExtend(t: Extend, need: Need, serial: boolean): Compiled {
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
    const replace = replaced.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`);
    const extra = added.map((c) => `, ${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join('');
    return {
      ...this.ordered(
        input,
        `SELECT ${this.star([], replace)}${extra} FROM (${input.sql})`,
        t.columns.map((c) => c.expr),
        serial,
      ),
      columns: [...input.columns, ...added.map((c) => c.name)],
      nonNull,
      textual: new Set([...(input.textual ?? NONE)].filter((c) => !redefined.has(c))),
    };
  }

  private visitProject(t: Project, _need: Need, serial: boolean): Compiled {
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

  private visitSummarize(t: Summarize): Compiled {
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

  private visitSort(t: Sort, need: Need, serial: boolean): Compiled {
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

  private visitTake(t: Take, need: Need, serial: boolean): Compiled {
    const input = this.tabular(t.input, need, serial);
    return {
      sql: `SELECT * FROM (${input.sql}) LIMIT ${Math.max(0, Math.floor(t.count))}`,
      serial: input.serial,
      columns: input.columns,
      nonNull: input.nonNull,
      textual: input.textual,
    };
  }

  private visitDistinct(t: Distinct): Compiled {
    const input = this.over(this.tabular(t.input, refs(t.columns.map((c) => c.expr))));
    return {
      sql: `SELECT DISTINCT ${t.columns.map((c) => `${this.scalar(c.expr)} AS ${this.ident(c.name)}`).join(', ')} FROM (${input.sql})`,
      columns: t.columns.map((c) => c.name),
      nonNull: this.nonNullNamed(t.columns),
    };
  }

  private visitJoin(t: Join): Compiled {
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
        sql: `SELECT ${this.star(['__first'])} FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.join(', ')}) AS __first FROM (${left.sql})) WHERE __first = 1`,
        columns: left.columns,
        nonNull: left.nonNull,
      };
    }
    const cond = t.on.map((k) => `${key('l', k.left, k.type)} = ${key('r', k.right, k.type)}`).join(' AND ');
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
    const how = { leftouter: 'LEFT', rightouter: 'RIGHT', fullouter: 'FULL' }[t.join as string] ?? 'INNER';
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

  private visitRows(t: Rows): Compiled {
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

  private visitUnion(t: Union): Compiled {
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

  private visitArgBest(t: ArgBest): Compiled {
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

  private visitMvExpand(t: MvExpand, need: Need): Compiled {
    // DuckDB does not prune columns through an unnest: ask the input for only what is used.
    const input = this.passThrough(
      t.input,
      t.columns.map((c) => c.expr),
      need,
    );
    return this.expand(input, t);
  }

  private visitMvApply(t: MvApply): Compiled {
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
      sql: `SELECT ${t.columns.map((c, i) => `${cols[i]} AS ${this.ident(c)}`).join(', ')} FROM ${this.lateral(input.sql, '__o', sub.sql, '__s')}`,
      columns: t.columns,
      nonNull,
    };
  }

  private visitApplyInput(_t: ApplyInput): Compiled {
    if (!this.applyInput) throw new Error('an mv-apply sub-table outside mv-apply');
    return this.applyInput;
  }

  private visitParse(t: Parse, need: Need, serial: boolean): Compiled {
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
      sql: `SELECT ${this.star(['__p'])}, ${cols.join(', ')} FROM (SELECT *, ${this.regexCaptures(text, re, names)} AS __p FROM (${input.sql}))${t.filter ? ` WHERE ${ok}` : ''}`,
      columns: [...input.columns, ...t.columns.map((c) => c.name)],
      serial: input.serial,
      nonNull: new Set([...(input.nonNull ?? NONE)].filter((c) => !parsed.has(c))),
      textual: new Set([...(input.textual ?? NONE)].filter((c) => !parsed.has(c))),
    };
  }

  private visitMakeSeries(t: MakeSeries): Compiled {
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
        `${this.toJson(this.listOf('__n', 'k', `CASE WHEN map_contains(__m${i}, ${at}) THEN __m${i}[${at}] ELSE ${this.as(a.fill, a.type)} END`))} AS ${this.ident(a.name)}`,
    );
    const times = `${this.toJson(this.listOf('__n', 'k', this.datetimeJson(at)))} AS ${this.ident(t.axis.name)}`;
    // At most 2^20 bins, Kusto's limit; an empty input makes no series (HAVING).
    const grouped = `SELECT ${[...keys, ...maps, `${start} AS __start`, `least(greatest(${bins}, 0), 1048576) AS __n`].join(', ')} FROM (${binned})${keys.length ? ` GROUP BY ${keys.join(', ')}` : ''} HAVING count(*) > 0`;
    return {
      sql: `SELECT ${[...keys, ...series, times].join(', ')} FROM (${grouped})`,
      columns: [...t.by.map((b) => b.name), ...t.aggregates.map((a) => a.name), t.axis.name],
      nonNull: new Set([...this.nonNullNamed(t.by), ...t.aggregates.map((a) => a.name), t.axis.name]),
    };
  }

  private visitCount(t: Count): Compiled {
    const input = this.tabular(t.input);
    return { sql: `SELECT count(*) AS ${this.ident('Count')} FROM (${input.sql})`, columns: ['Count'] };
  }

  /**
   * mv-expand of an input: lists first, then one unnest per list in one SELECT: DuckDB pads the
   * shorter ones with nulls, as Kusto does. The position (for with_itemindex and limit) is
   * unnested beside them. A split() is expanded as a list of plain strings (see Compiled.textual).
   */
  private expand(input: Compiled, t: Expansion): Compiled {
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
    const replace = replaced.map(({ c, i }) => `${element(i)} AS ${this.ident(c.name)}`);
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
      sql: `SELECT ${this.star(hidden, replace)}${extra} FROM (SELECT *, ${units.join(', ')} FROM (SELECT *, ${lists.join(', ')} FROM (${input.sql})))${limit}`,
      nonNull,
      textual,
      columns: [
        ...input.columns,
        ...added.map(({ c }) => c.name),
        ...(t.index !== null && !names.includes(t.index) ? [t.index] : []),
      ],
    };
  }

  /** An aggregate call, by its registry entry (a dialect's override if it has one). */
  protected aggregate(fn: string, args: readonly Scalar[], type: KqlType): string {
    const entry = this.aggregates.get(fn);
    if (!entry) throw new UnsupportedError(`the aggregate ${fn}()`);
    return entry.sql(
      this,
      args,
      args.map((x) => this.scalar(x)),
      type,
    );
  }

  sqlType(t: KqlType): string {
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

  scalar(s: Scalar): string {
    // Only the scalar a where clause tests, and its and/or operands, are in a positive position.
    const positive = this.positive;
    this.positive = false;
    return located(s, () => this.scalarOf(s, positive));
  }

  /**
   * A where clause's predicate. There a null and false both drop the row, so an `==` or `in` that
   * is not under a `not` may compile to SQL's plain comparison, which DuckDB turns into a
   * zone-map filter of the scan (Kusto's false for a null compared with a value is then a SQL
   * null, with the same effect). Everywhere else a comparison gives Kusto's value.
   */
  private predicate(s: Scalar): string {
    this.positive = true;
    try {
      return this.scalar(s);
    } finally {
      this.positive = false;
    }
  }

  /** Whether a scalar may be null: strings never are in Kusto; see nonNullScalar. */
  private nullable(x: Scalar): boolean {
    return x.type !== 'string' && !this.nonNullScalar(x);
  }

  private scalarOf(s: Scalar, positive: boolean): string {
    switch (s.kind) {
      case 'column':
        if (this.textual.has(s.name)) return this.toJson(this.ident(s.name));
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
        if (s.type === 'dynamic') return this.json(this.string(String(s.value)));
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
        const listed = `${fold(s.operand)} IN (${values.map(fold).join(', ')})`;
        // A null is in no list: false for `in`, true for `!in` (SQL's IN would give null).
        const test =
          (positive && !s.negated) || !this.nullable(s.operand) ? listed : `coalesce(${listed}, false)`;
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
        return this.binary(s, positive);
      case 'call':
        return this.call(s);
      default: {
        const never: never = s;
        throw new Error(`unhandled IR node ${JSON.stringify(never)}`);
      }
    }
  }

  protected binary(s: Binary, positive = false): string {
    const text = STRING_OPS[s.op];
    if (text) {
      // String operators read a dynamic operand as its text, and fold case unless they are _cs.
      const [a, b] = [this.as(s.left, 'string'), this.as(s.right, 'string')];
      const [x, y] = text.cs ? [a, b] : [`lower(${a})`, `lower(${b})`];
      const test = text.test === 'has' ? this.hasTerm(x, s.right, text.cs) : text.test(x, y);
      return text.negated ? `(NOT ${test})` : test;
    }
    if (s.op === 'and' || s.op === 'or') {
      // The operands of and/or in a where clause are in a positive position too.
      const side = (x: Scalar): string => (positive ? this.predicate(x) : this.scalar(x));
      return `(${side(s.left)} ${s.op === 'and' ? 'AND' : 'OR'} ${side(s.right)})`;
    }
    const [l, r] = this.comparable(s.left, s.right);
    const integral = (x: Scalar): boolean => x.type === 'long' || x.type === 'int';
    switch (s.op) {
      case '==':
      case '!=':
        return this.equality(s, l, r, positive);
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
   * `==` and `!=` as Kusto compares a null: with a value, `==` is false and `!=` true; with
   * another null, both are null. Values that cannot be null compare as SQL compares them.
   */
  private equality(s: Binary, l: string, r: string, positive: boolean): string {
    const [ln, rn] = [this.nullable(s.left), this.nullable(s.right)];
    const eq = s.op === '==';
    if ((!ln && !rn) || (eq && positive)) return eq ? `(${l} = ${r})` : `(${l} <> ${r})`;
    const distinct = `${l} IS ${eq ? 'NOT ' : ''}DISTINCT FROM ${r}`;
    if (!ln || !rn) return `(${distinct})`;
    return `(CASE WHEN ${l} IS NULL AND ${r} IS NULL THEN NULL ELSE ${distinct} END)`;
  }

  /**
   * The two sides of a comparison the analyzer accepted between different types. Policy: a string
   * literal compared with a bool or a number is read as that type (`IsFlowCapturedAtUdrHop ==
   * "true"`, `DestPort == "443"`), and a literal that does not parse compares as null (no row);
   * a dynamic value compared with a typed one is read as that type. Anything else keeps its SQL.
   */
  comparable(left: Scalar, right: Scalar): [string, string] {
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
  hasTerm(haystack: string, needle: Scalar, cs: boolean): string {
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
  stringList(x: Scalar): string {
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

  /** An element of a dynamic value; negative positions count from the end, out of range is null. */
  private element(base: Scalar, key: Scalar): string {
    if (base.type !== 'dynamic') throw new UnsupportedError(`indexing a value of type ${base.type}`);
    const position = this.listPosition(key);
    // A list index out of range is NULL, as Kusto's is null.
    if (this.isSplit(base) && position !== null) return this.toJson(`${this.stringList(base)}[${position}]`);
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
  as(x: Scalar, type: KqlType): string {
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
    if (type === 'dynamic') return this.toJson(v);
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
   * a zone, Kusto's timespan spelling, JSON (or the text as a dynamic string). Anything else is null.
   */
  abstract fromText(text: string, type: KqlType): string;
  /** A datetime as Kusto's tostring() spells it: ISO 8601, seven fraction digits if any, Z. */
  protected abstract datetimeText(v: string): string;
  /** A real as Kusto's tostring() spells it (.NET's shortest round-trip form). */
  protected abstract realText(v: string): string;
  /** A datetime as Kusto writes one in a dynamic value: ISO 8601 with seven fraction digits and Z. */
  protected abstract datetimeJson(v: string): string;
  /** Microseconds as Kusto spells a timespan: [-][d.]hh:mm:ss[.fffffff]. */
  protected abstract timespanText(us: string): string;

  /** A scalar function's call, by its registry entry (a dialect's override if it has one). */
  call(s: Call): string {
    const entry = this.functions.get(s.fn);
    if (!entry) throw new UnsupportedError(`the function ${s.fn}()`);
    return entry.sql(
      this,
      s,
      s.args.map((x) => this.scalar(x)),
    );
  }
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
