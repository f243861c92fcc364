/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type {
  Aggregate,
  BinaryOp,
  Column,
  JoinKind,
  KqlType,
  NamedScalar,
  Query,
  Scalar,
  SortKey,
  Tabular,
} from './ir.js';
import { placeAt, positionOf } from './ir.js';
import { kustoLanguage } from './kusto-language.js';
import { captureGroups, escapeRegex } from './regex.js';

/** A query construct the engine does not handle yet: named, with its position, never approximated. */
export class UnsupportedError extends Error {
  /** `start`: the offset in the query; undefined when the compiler refuses a node (see `located`). */
  constructor(
    readonly construct: string,
    readonly start?: number,
  ) {
    super(`${construct} is not supported yet`);
    this.name = 'UnsupportedError';
  }
}

let kindNames: Record<number, string> | null = null;
/** The name of a syntax node's kind (Kusto's SyntaxKind enum, read backwards). */
function kindOf(n: any): string {
  if (!kindNames) {
    kindNames = {};
    for (const [k, v] of Object.entries(kustoLanguage().Syntax.SyntaxKind as Record<string, unknown>))
      if (typeof v === 'number') kindNames[v] = k;
  }
  return kindNames[n.Kind] ?? String(n.Kind);
}

/** The nodes of a plain (not separated) syntax list. */
function nodes(list: any): any[] {
  const out: any[] = [];
  for (let i = 0; i < (list?.Count ?? 0); i++) out.push(list.getItem(i));
  return out;
}

/** An operator's named parameters (`kind=inner`, `withsource=T`). */
function parameters(n: any): any[] {
  return nodes(n.Parameters);
}

/** A named parameter's value as written (`regex` in `kind=regex`). */
function parameterText(p: any): string {
  return String(p.Expression?.Token?.Text ?? p.Expression?.ToString?.() ?? '').trim();
}

/** The elements of a Kusto separated list. */
function items(list: any): any[] {
  const out: any[] = [];
  for (let i = 0; i < list.Count; i++) out.push(list.getItem(i).Element);
  return out;
}

const TYPES: Readonly<Record<string, KqlType>> = {
  string: 'string',
  long: 'long',
  int: 'int',
  real: 'real',
  bool: 'bool',
  datetime: 'datetime',
  timespan: 'timespan',
  dynamic: 'dynamic',
  decimal: 'decimal',
};
function typeOf(n: any): KqlType {
  const name = String(n.ResultType?.Name ?? '');
  const t = TYPES[name];
  if (!t) throw new UnsupportedError(`values of type ${name || 'unknown'}`, n.TextStart);
  return t;
}

const BINARY: Readonly<Record<string, BinaryOp>> = {
  EqualExpression: '==',
  NotEqualExpression: '!=',
  LessThanExpression: '<',
  LessThanOrEqualExpression: '<=',
  GreaterThanExpression: '>',
  GreaterThanOrEqualExpression: '>=',
  AndExpression: 'and',
  OrExpression: 'or',
  AddExpression: '+',
  SubtractExpression: '-',
  MultiplyExpression: '*',
  DivideExpression: '/',
  ModuloExpression: '%',
  ContainsExpression: 'contains',
  NotContainsExpression: '!contains',
  ContainsCsExpression: 'contains_cs',
  NotContainsCsExpression: '!contains_cs',
  HasExpression: 'has',
  NotHasExpression: '!has',
  HasCsExpression: 'has_cs',
  NotHasCsExpression: '!has_cs',
  StartsWithExpression: 'startswith',
  NotStartsWithExpression: '!startswith',
  StartsWithCsExpression: 'startswith_cs',
  NotStartsWithCsExpression: '!startswith_cs',
  EndsWithExpression: 'endswith',
  NotEndsWithExpression: '!endswith',
  EndsWithCsExpression: 'endswith_cs',
  NotEndsWithCsExpression: '!endswith_cs',
  EqualTildeExpression: '=~',
  BangTildeExpression: '!~',
};

/** `in` and its variants: negated, case-insensitive. */
const IN: Readonly<Record<string, { negated: boolean; caseInsensitive: boolean }>> = {
  InExpression: { negated: false, caseInsensitive: false },
  NotInExpression: { negated: true, caseInsensitive: false },
  InCsExpression: { negated: false, caseInsensitive: true },
  NotInCsExpression: { negated: true, caseInsensitive: true },
};

const UNITS: Readonly<Record<string, number>> = {
  d: 86_400_000_000,
  day: 86_400_000_000,
  days: 86_400_000_000,
  h: 3_600_000_000,
  hr: 3_600_000_000,
  hrs: 3_600_000_000,
  hour: 3_600_000_000,
  hours: 3_600_000_000,
  m: 60_000_000,
  min: 60_000_000,
  minute: 60_000_000,
  minutes: 60_000_000,
  s: 1_000_000,
  sec: 1_000_000,
  second: 1_000_000,
  seconds: 1_000_000,
  ms: 1000,
  milli: 1000,
  millis: 1000,
  millisecond: 1000,
  milliseconds: 1000,
  microsecond: 1,
  microseconds: 1,
  tick: 0.1,
  ticks: 0.1,
};

function literal(n: any): Scalar {
  const type = typeOf(n);
  const text = String(n.Token?.Text ?? '').trim();
  switch (type) {
    case 'string':
      return { kind: 'literal', type, value: String(n.LiteralValue ?? '') };
    case 'bool':
      if (/^bool(ean)?\(\s*null\s*\)$/i.test(text)) return { kind: 'literal', type, value: null };
      return { kind: 'literal', type, value: /^(bool(ean)?\(\s*)?true(\s*\))?$/i.test(text) };
    case 'long':
    case 'int':
    case 'real':
    case 'decimal': {
      const inner = (/^\w+\((.*)\)$/.exec(text)?.[1] ?? text).trim();
      if (inner === 'null') return { kind: 'literal', type, value: null };
      // real(nan), real(+inf), real(-inf): kept as the words SQL casts from.
      const special = { nan: 'NaN', '+inf': 'Infinity', inf: 'Infinity', '-inf': '-Infinity' }[
        inner.toLowerCase()
      ];
      if (type === 'real' && special) return { kind: 'literal', type, value: special };
      const value = Number(inner);
      if (!Number.isFinite(value)) throw new UnsupportedError(`the literal ${text}`, n.TextStart);
      // A long beyond 2^53 keeps its exact digits (as text; the compiler checks them).
      if ((type === 'long' || type === 'int') && !Number.isSafeInteger(value) && /^-?\d+$/.test(inner))
        return { kind: 'literal', type, value: BigInt(inner).toString() };
      return { kind: 'literal', type, value };
    }
    case 'timespan': {
      if (/^(timespan|time)\(\s*null\s*\)$/i.test(text)) return { kind: 'literal', type, value: null };
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text);
      if (!m || UNITS[m[2].toLowerCase()] === undefined)
        throw new UnsupportedError(`the timespan literal ${text}`, n.TextStart);
      return { kind: 'literal', type, value: Number(m[1]) * UNITS[m[2].toLowerCase()] };
    }
    case 'datetime': {
      const inner = /^datetime\((.*)\)$/i.exec(text)?.[1]?.trim() ?? '';
      if (inner === 'null') return { kind: 'literal', type, value: null };
      const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(inner) ? inner : `${inner.replace(' ', 'T')}Z`);
      if (!inner || Number.isNaN(d.getTime()))
        throw new UnsupportedError(`the datetime literal ${text}`, n.TextStart);
      return { kind: 'literal', type, value: d.toISOString() };
    }
    default:
      throw new UnsupportedError(`${type} literals`, n.TextStart);
  }
}

/** Operators with a list on their right: `x has_any ("a", "b")`. */
const LIST_OPS: Readonly<Record<string, string>> = {
  HasAnyExpression: 'has_any',
  HasAllExpression: 'has_all',
};

/** `dynamic(...)`: its JSON (Kusto's dynamic literals are JSON, or null). */
function dynamicLiteral(n: any): Scalar {
  const text = String(n.Expression?.ToString?.() ?? '').trim();
  try {
    JSON.parse(text);
  } catch {
    throw new UnsupportedError(`the dynamic literal ${text} (not strict JSON)`, n.TextStart);
  }
  return { kind: 'literal', type: 'dynamic', value: text };
}

/** The scalar functions this engine compiles (the analyzer has already checked their arguments). */
const FUNCTIONS = new Set([
  'strlen',
  'tostring',
  'bin',
  'ago',
  'now',
  'not',
  'isempty',
  'isnotempty',
  'tolower',
  'toupper',
  'isnull',
  'isnotnull',
  'strcat',
  'iff',
  'iif',
  'ipv4_is_in_range',
  'ipv4_is_private',
  'split',
  'case',
  'coalesce',
  'todynamic',
  'parse_json',
  'todecimal',
  'tolong',
  'toint',
  'toreal',
  'todouble',
  'trim',
  'trim_start',
  'trim_end',
  'round',
  'array_length',
  'substring',
  'indexof',
  'replace_string',
  'replace_regex',
  'extract',
  'strcat_delim',
  'tobool',
  'toboolean',
  'todatetime',
  'totimespan',
  'startofday',
  'startofweek',
  'startofmonth',
  'startofyear',
  'datetime_part',
  'dayofweek',
  'hourofday',
  'getyear',
  'getmonth',
  'format_datetime',
  'floor',
  'bin_at',
  'abs',
  'sqrt',
  'exp',
  'log',
  'log10',
  'pow',
  'pack_array',
  'pack',
  'bag_pack',
  'set_union',
  'parse_ipv4',
  'ipv4_compare',
  'ipv4_is_match',
  'ipv6_compare',
  'ipv6_is_match',
  'ipv6_is_in_range',
  'parse_ipv6',
  'ipv4_is_in_any_range',
  'datetime_diff',
  'datetime_add',
  'row_number',
  'prev',
  'next',
  'row_cumsum',
]);

/** The aggregate functions this engine compiles. */
const AGGREGATES = new Set([
  'count',
  'countif',
  'sum',
  'sumif',
  'min',
  'max',
  'avg',
  'dcount',
  'make_set',
  'make_list',
  'take_any',
  'avgif',
  'dcountif',
  'minif',
  'maxif',
  'make_set_if',
  'make_list_if',
  'make_bag',
  'stdev',
  'stdevif',
  'stdevp',
  'variance',
  'varianceif',
  'variancep',
  'percentile',
]);

/** Inside a summarize: turns an aggregate call into a reference to the column computing it. */
let aggregateCalls: ((n: any, fn: string) => Scalar) | null = null;

/**
 * What a name in scope stands for: a `let` expression (syntax, lowered where it is used), a
 * function parameter's argument (already lowered in the caller's scope), or a `let` function.
 */
type Binding =
  { readonly node: any } | { readonly scalar: Scalar } | { readonly table: Tabular } | { readonly fn: any };

/** The `let` bindings and function parameters in scope, by name. */
let bindings = new Map<string, Binding>();

/** Runs fn with extra bindings in scope (a function body's parameters). */
function withBindings<T>(extra: Map<string, Binding>, fn: () => T): T {
  const saved = bindings;
  bindings = new Map([...saved, ...extra]);
  try {
    return fn();
  } finally {
    bindings = saved;
  }
}

/**
 * A call of a `let` function: its parameters bound to the arguments (lowered here, in the caller's
 * scope; missing ones take their defaults), then its body lowered by `body`. A tabular parameter
 * takes `input` (for `invoke`) or a tabular argument.
 */
function invoke<T>(decl: any, call: any, input: Tabular | null, body: (expr: any) => T): T {
  const params = items(decl.Parameters.Parameters);
  const args = items(call.ArgumentList.Expressions);
  const extra = new Map<string, Binding>();
  params.forEach((p, i) => {
    const name = String(p.NameAndType.Name.SimpleName);
    const tabularParam = kindOf(p.NameAndType.Type) === 'SchemaTypeExpression';
    if (tabularParam) {
      const arg = input && i === 0 ? null : args[input ? i - 1 : i];
      extra.set(name, { table: arg ? tabular(arg) : (input as Tabular) });
      return;
    }
    const arg = args[input ? i - 1 : i] ?? p.DefaultValue?.Value;
    if (!arg)
      throw new UnsupportedError(
        `a call of ${String(call.Name.SimpleName)}() without ${name}`,
        call.TextStart,
      );
    extra.set(name, { scalar: scalar(arg) });
  });
  return withBindings(extra, () => {
    const statements = items(decl.Body.Statements ?? { Count: 0 });
    for (const st of statements) bind(st);
    return body(decl.Body.Expression);
  });
}

/** Brings one `let` statement into scope. */
function bind(st: any): void {
  if (kindOf(st) !== 'LetStatement') throw new UnsupportedError(describe(kindOf(st)), st.TextStart);
  const name = String(st.Name.SimpleName);
  const e = st.Expression;
  if (kindOf(e) === 'FunctionDeclaration') bindings.set(name, { fn: e });
  else bindings.set(name, { node: e });
}

/** Whether a syntax node yields a table (rather than a scalar). */
function isTabular(n: any): boolean {
  return Boolean(n?.ResultType?.Columns);
}

function scalar(n: any): Scalar {
  return placeAt(scalarOf(n), n.TextStart);
}

function scalarOf(n: any): Scalar {
  const kind = kindOf(n);
  if (kind === 'ParenthesizedExpression') return scalar(n.Expression);
  if (kind === 'NameReference') {
    const bound = bindings.get(String(n.SimpleName));
    const symbol = String(n.ReferencedSymbol?.constructor?.$$name ?? '');
    if (bound && /(Variable|Parameter)Symbol$/.test(symbol)) {
      if ('scalar' in bound) return bound.scalar;
      if ('node' in bound) return scalar(bound.node);
    }
    return { kind: 'column', name: String(n.SimpleName), type: typeOf(n) };
  }
  if (kind.endsWith('LiteralExpression')) return literal(n);
  if (kind === 'UnaryMinusExpression') {
    const operand = scalar(n.Expression);
    if (operand.kind === 'literal' && typeof operand.value === 'number')
      return { ...operand, value: -operand.value };
    if (operand.kind === 'literal' && typeof operand.value === 'string' && operand.type !== 'string')
      return { ...operand, value: (-BigInt(operand.value)).toString() };
    const zero: Scalar = { kind: 'literal', type: operand.type, value: 0 };
    return { kind: 'binary', op: '-', left: zero, right: operand, type: typeOf(n) };
  }
  if (kind === 'ElementExpression')
    return { kind: 'index', base: scalar(n.Expression), key: scalar(n.Selector.Expression), type: 'dynamic' };
  if (kind === 'PathExpression') {
    const key = String(n.Selector?.SimpleName ?? '');
    return {
      kind: 'index',
      base: scalar(n.Expression),
      key: { kind: 'literal', type: 'string', value: key },
      type: 'dynamic',
    };
  }
  const inOp = IN[kind];
  if (inOp) {
    const right = items(n.Right.Expressions);
    // `x in (T)`, T a table or a tabular let: the values are T's first column.
    if (right.length === 1 && isTabular(right[0]))
      return {
        kind: 'in',
        operand: scalar(n.Left),
        values: [],
        query: tabular(right[0]),
        ...inOp,
        type: 'bool',
      };
    return { kind: 'in', operand: scalar(n.Left), values: right.map(scalar), ...inOp, type: 'bool' };
  }
  const op = BINARY[kind];
  if (op) return { kind: 'binary', op, left: scalar(n.Left), right: scalar(n.Right), type: typeOf(n) };
  if (kind === 'DynamicExpression') return dynamicLiteral(n);
  if (kind === 'ToScalarExpression')
    return isTabular(n.Expression)
      ? { kind: 'scalarQuery', query: tabular(n.Expression), type: typeOf(n) }
      : scalar(n.Expression);
  if (kind === 'BetweenExpression' || kind === 'NotBetweenExpression') {
    const x = scalar(n.Left);
    const low = scalar(n.Right.First);
    const high = scalar(n.Right.Second);
    return {
      kind: 'call',
      fn: kind === 'BetweenExpression' ? 'between' : '!between',
      args: [x, low, high],
      type: 'bool',
    };
  }
  if (LIST_OPS[kind]) {
    const values = items(n.Right.Expressions).map(scalar);
    return { kind: 'call', fn: LIST_OPS[kind], args: [scalar(n.Left), ...values], type: 'bool' };
  }
  if (kind === 'MatchesRegexExpression')
    return { kind: 'call', fn: 'matches_regex', args: [scalar(n.Left), scalar(n.Right)], type: 'bool' };
  if (kind === 'FunctionCallExpression') {
    const own = bindings.get(String(n.Name.SimpleName));
    if (own && 'fn' in own) return invoke(own.fn, n, null, scalar);
    const fn = String(n.Name.SimpleName).toLowerCase();
    if (aggregateCalls && AGGREGATES.has(fn)) return aggregateCalls(n, fn);
    if (!FUNCTIONS.has(fn)) throw new UnsupportedError(`the function ${fn}()`, n.TextStart);
    const args = items(n.ArgumentList.Expressions).map(scalar);
    if (fn === 'not') return { kind: 'not', operand: args[0], type: 'bool' };
    return { kind: 'call', fn, args, type: typeOf(n) };
  }
  throw new UnsupportedError(describe(kind), n.TextStart);
}

/** `name = expr` or a bare expression named as the analyzer names it. */
function named(n: any, name: string): NamedScalar {
  return kindOf(n) === 'SimpleNamedExpression'
    ? { name, expr: scalar(n.Expression) }
    : { name, expr: scalar(n) };
}

/** The output columns of a tabular node, as the analyzer named and typed them. */
function resultColumns(n: any): Column[] {
  const cols = n.ResultType?.Columns;
  const out: Column[] = [];
  for (let i = 0; i < (cols?.Count ?? 0); i++) {
    const c = cols.getItem(i);
    out.push({ name: String(c.Name), type: TYPES[String(c.Type?.Name)] ?? 'dynamic' });
  }
  return out;
}

/** The output column names of a tabular node, as the analyzer computed them. */
function columnNames(n: any): string[] {
  return resultColumns(n).map((c) => c.name);
}

/** Inside an mv-apply subquery: the columns of the sub-table its first operator reads. */
let applyColumns: string[] | null = null;

/** The column names of an operator's input: what it is piped from, or an mv-apply's sub-table. */
function inputColumns(n: any): string[] {
  const parent = n.Parent;
  if (kindOf(parent) === 'PipeExpression' && parent.Operator === n) return columnNames(parent.Expression);
  if (applyColumns) return applyColumns;
  throw new UnsupportedError(`${describe(kindOf(n))} where its input is not known`, n.TextStart);
}

/** The columns of the operator's output, each read from the input column of the same name. */
function passThrough(input: Tabular, n: any, renamed = new Map<string, string>()): Tabular {
  const columns = resultColumns(n).map((c): NamedScalar => ({
    name: c.name,
    expr: { kind: 'column', name: renamed.get(c.name) ?? c.name, type: c.type },
  }));
  return { kind: 'project', input, columns };
}

function operator(input: Tabular, n: any): Tabular {
  const kind = kindOf(n);
  switch (kind) {
    case 'FilterOperator':
      return { kind: 'where', input, predicate: scalar(n.Condition) };
    case 'TakeOperator':
      return { kind: 'take', input, count: Number((scalar(n.Expression) as { value: number }).value) };
    case 'CountOperator':
      return { kind: 'count', input };
    case 'MvExpandOperator':
      return mvExpand(input, n);
    case 'JoinOperator':
      return join(input, n);
    case 'DistinctOperator': {
      const exprs = items(n.Expressions);
      if (exprs.some((e) => kindOf(e) === 'StarExpression'))
        throw new UnsupportedError('distinct *', n.TextStart);
      const names = columnNames(n);
      return { kind: 'distinct', input, columns: exprs.map((e, i) => named(e, names[i])) };
    }
    case 'ExtendOperator':
      return extend(input, n);
    case 'ProjectOperator': {
      const out = columnNames(n);
      return { kind: 'project', input, columns: items(n.Expressions).map((e, i) => named(e, out[i])) };
    }
    case 'SummarizeOperator':
      return summarize(input, n);
    case 'ProjectAwayOperator':
    case 'ProjectKeepOperator':
    case 'ProjectReorderOperator':
      return passThrough(input, n);
    case 'ProjectRenameOperator': {
      const renamed = new Map<string, string>();
      for (const e of items(n.Expressions))
        renamed.set(String(e.Name.SimpleName), String(e.Expression.SimpleName));
      return passThrough(input, n, renamed);
    }
    case 'TopOperator': {
      const count = scalar(n.Expression);
      if (count.kind !== 'literal' || typeof count.value !== 'number')
        throw new UnsupportedError('top with a count that is not a constant', n.TextStart);
      return {
        kind: 'take',
        input: { kind: 'sort', input, keys: [sortKey(n.ByExpression)] },
        count: count.value,
      };
    }
    case 'UnionOperator':
      return union(
        [
          { node: n.Parent?.Expression, lowered: input },
          ...items(n.Expressions).map((e) => ({ node: e, lowered: null })),
        ],
        n,
      );
    case 'LookupOperator':
      return join(input, n, true);
    case 'InvokeOperator': {
      const call = n.Function;
      const own =
        kindOf(call) === 'FunctionCallExpression' ? bindings.get(String(call.Name.SimpleName)) : undefined;
      if (!own || !('fn' in own)) throw new UnsupportedError('invoke of a built-in function', n.TextStart);
      return invoke(own.fn, call, input, tabular);
    }
    case 'AsOperator':
      // `as Name` only names the result (for a later withsource): the rows are unchanged.
      return input;
    case 'SerializeOperator':
      // The engine keeps rows in order wherever Kusto does; new columns are an extend.
      return items(n.Expressions).length > 0 ? extend(input, n) : input;
    case 'SortOperator':
      return { kind: 'sort', input, keys: items(n.Expressions).map(sortKey) };
    case 'ParseOperator':
    case 'ParseWhereOperator':
      return parse(input, n, kind === 'ParseWhereOperator');
    case 'MakeSeriesOperator':
      return makeSeries(input, n);
    case 'MvApplyOperator':
      return mvApply(input, n);
    default:
      throw new UnsupportedError(describe(kind), n.TextStart);
  }
}

/**
 * extend (and serialize with columns): a named expression keeps its name (it may replace an input
 * column in place); an unnamed one takes the next name the analyzer added after the input's columns.
 */
function extend(input: Tabular, n: any): Tabular {
  const out = columnNames(n);
  const before = new Set(inputColumns(n));
  const added = out.filter((c) => !before.has(c));
  const columns = items(n.Expressions).map((e) =>
    kindOf(e) === 'SimpleNamedExpression'
      ? named(e, String(e.Name.SimpleName))
      : named(e, added.shift() ?? `Column${out.length}`),
  );
  return { kind: 'extend', input, columns };
}

/** A sort key; Kusto's defaults: descending, nulls last when descending and first when ascending. */
function sortKey(e: any): SortKey {
  const ordered = kindOf(e) === 'OrderedExpression';
  const expr = scalar(ordered ? e.Expression : e);
  const dir = ordered ? String(e.Ordering?.AscOrDescKeyword?.Text ?? '').toLowerCase() : '';
  const desc = dir !== 'asc';
  const nulls = ordered ? String(e.Ordering?.NullsClause?.FirstOrLastKeyword?.Text ?? '').toLowerCase() : '';
  return { expr, desc, nullsFirst: nulls ? nulls === 'first' : !desc };
}

/**
 * union: the legs matched by column name into the analyzer's output columns, a column whose type
 * differs between legs going to its type's name (`x_long`, `x_string`), as the analyzer names it.
 */
function union(legs: { node: any; lowered: Tabular | null }[], n: any): Tabular {
  let source: string | null = null;
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName ?? '').toLowerCase();
    if (name === 'withsource' || name === 'with_source') source = String(p.Expression?.SimpleName ?? '');
    else if (name !== 'isfuzzy' && name !== 'kind') throw new UnsupportedError(`union ${name}=`, p.TextStart);
  }
  const columns = resultColumns(n).filter((c) => c.name !== source);
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const inputs = legs.map((leg): Tabular => {
    const lowered = leg.lowered ?? tabular(leg.node);
    // Where legs disagree on a column's type, the analyzer names it per type (`a_long`,
    // `a_string`): each leg's column goes to its type's name.
    const own = resultColumns(leg.node);
    const renamed = own.map((c): NamedScalar => {
      const as = types.get(c.name) === c.type ? c.name : `${c.name}_${c.type}`;
      if (types.get(as) !== c.type)
        throw new UnsupportedError(`union of legs whose column types differ (${c.name})`, n.TextStart);
      return { name: as, expr: { kind: 'column', name: c.name, type: c.type } };
    });
    return renamed.every((r, i) => r.name === own[i].name)
      ? lowered
      : { kind: 'project', input: lowered, columns: renamed };
  });
  const labels = legs.map((leg, i) =>
    kindOf(leg.node) === 'NameReference' ? String(leg.node.SimpleName) : `union_arg${i}`,
  );
  return { kind: 'union', inputs, columns, source: source ? { name: source, labels } : null };
}

/**
 * summarize: the aggregates are computed by group; an output that wraps them in scalar functions
 * (`round(sum(x), 3)`) is computed after, from the aggregates' columns. `arg_max(x, *)` and
 * `arg_min(x, *)` keep the whole row of the greatest (least) x per group.
 */
function summarize(input: Tabular, n: any): Tabular {
  const aggs = items(n.Aggregates);
  const by = n.ByClause ? items(n.ByClause.Expressions) : [];
  const names = columnNames(n); // the by columns first, then the aggregates
  const byCols = by.map((e, i) => named(e, names[i]));
  const best = aggs.length === 1 ? argBest(input, aggs[0], byCols, names, by.length) : null;
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
      const [x, ...ps] = items(expr.ArgumentList.Expressions).map(scalar);
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
    aggregateCalls = (call: any, fn: string): Scalar => {
      const inner = `__agg${aggregates.length}`;
      const saved = aggregateCalls;
      aggregateCalls = null; // no aggregate inside an aggregate
      try {
        aggregates.push(
          placeAt(
            { name: inner, fn, args: items(call.ArgumentList.Expressions).map(scalar), type: typeOf(call) },
            call.TextStart,
          ),
        );
      } finally {
        aggregateCalls = saved;
      }
      return { kind: 'column', name: inner, type: typeOf(call) };
    };
    try {
      // A top-level call that is neither an aggregate nor a scalar function is named as an aggregate.
      const top =
        kindOf(expr) === 'FunctionCallExpression' ? String(expr.Name.SimpleName).toLowerCase() : null;
      if (top && !AGGREGATES.has(top) && !FUNCTIONS.has(top))
        throw new UnsupportedError(`the aggregate ${top}()`, expr.TextStart);
      outputs.push({ name, expr: scalar(expr) });
    } finally {
      aggregateCalls = null;
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
    if (args.length !== 2 || kindOf(args[1]) !== 'StarExpression' || call !== a)
      throw new UnsupportedError(`${fn}() with * and other arguments, or renamed`, a.TextStart);
    return { kind: 'argBest', input, by, expr: scalar(args[0]), max, columns: names };
  }
  if (call !== a || args.some((x) => kindOf(x) === 'SimpleNamedExpression'))
    throw new UnsupportedError(`${fn}() with renamed outputs`, a.TextStart);
  const outputs = args.map((x, i): NamedScalar => ({ name: names[byCount + i], expr: scalar(x) }));
  const extended: Tabular = { kind: 'extend', input, columns: outputs };
  const expr: Scalar = { kind: 'column', name: outputs[0].name, type: outputs[0].expr.type };
  return { kind: 'argBest', input: extended, by, expr, max, columns: names };
}

/** mv-expand (and the old `mvexpand`): several columns side by side, `to typeof()`, `with_itemindex`, `limit`. */
function mvExpand(input: Tabular, n: any): Tabular {
  return { kind: 'mvExpand', input, ...expansion(n, 'mv-expand') };
}

/**
 * mv-apply: each row's expansion (mv-expand's, with the same options), then the subquery over it,
 * lowered with the sub-table as its input. Context ids (`id=`) are refused.
 */
function mvApply(input: Tabular, n: any): Tabular {
  if (n.ContextIdClause)
    throw new UnsupportedError('mv-apply with a context id', n.ContextIdClause.TextStart);
  const expand = expansion(n, 'mv-apply');
  const inner = new Set(inputColumns(n));
  for (const c of expand.columns) inner.add(c.name);
  if (expand.index !== null) inner.add(expand.index);
  const saved = applyColumns;
  applyColumns = [...inner];
  try {
    const leaf: Tabular = { kind: 'applyInput' };
    const lowerSub = (e: any): Tabular =>
      kindOf(e) === 'PipeExpression' ? operator(lowerSub(e.Expression), e.Operator) : operator(leaf, e);
    return {
      kind: 'mvApply',
      input,
      expand,
      subquery: lowerSub(n.Subquery.Expression),
      columns: columnNames(n),
    };
  } finally {
    applyColumns = saved;
  }
}

/** What mv-expand and mv-apply expand: the columns, `with_itemindex`, `limit`. */
function expansion(n: any, op: string): Omit<Extract<Tabular, { kind: 'mvExpand' }>, 'kind' | 'input'> {
  let index: string | null = null;
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName ?? '').toLowerCase();
    if (name === 'with_itemindex') index = String(p.Expression?.SimpleName ?? '');
    else if (name !== 'bagexpansion' || String(p.Expression?.ToString?.() ?? '') !== 'bag')
      throw new UnsupportedError(`${op} ${name}=`, p.TextStart);
  }
  const columns = items(n.Expressions).map((e) => {
    const x = e.Expression;
    const name =
      kindOf(x) === 'SimpleNamedExpression'
        ? String(x.Name.SimpleName)
        : kindOf(x) === 'NameReference'
          ? String(x.SimpleName)
          : null;
    if (!name) throw new UnsupportedError(`${op} of an unnamed expression`, x.TextStart);
    // `to typeof(T)` converts each element; without it an element stays dynamic.
    const to = e.ToTypeOf ? TYPES[String(e.ToTypeOf.TypeOf?.ReferencedSymbol?.Name)] : 'dynamic';
    if (!to) throw new UnsupportedError(`${op} to ${String(e.ToTypeOf.ToString())}`, e.ToTypeOf.TextStart);
    return { name, expr: named(x, name).expr, to };
  });
  let limit: number | null = null;
  if (n.RowLimitClause) {
    const l = scalar(n.RowLimitClause.RowLimit);
    if (l.kind !== 'literal' || typeof l.value !== 'number')
      throw new UnsupportedError(`${op} limit that is not a constant`, n.RowLimitClause.TextStart);
    limit = l.value;
  }
  return { columns, index, limit };
}

/**
 * make-series Aggregate [default=d], ... on Axis from a to b step s by ...: the aggregates as the
 * summarize ones (numeric, Kusto's rule), each absent bin filled with its default (0 unless given).
 * The `in range()` form and kind=nonempty are refused.
 */
function makeSeries(input: Tabular, n: any): Tabular {
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
    if (!AGGREGATES.has(fn))
      throw new UnsupportedError('a make-series column that is not one aggregate call', expr.TextStart);
    const type = typeOf(expr);
    if (!['long', 'int', 'real', 'decimal'].includes(type))
      throw new UnsupportedError(`make-series of ${fn}(), whose values are not numbers`, expr.TextStart);
    const fill: Scalar = m.DefaultExpression
      ? scalar(m.DefaultExpression.Expression)
      : { kind: 'literal', type: 'long', value: 0 };
    return placeAt(
      { name: names[by.length + i], fn, args: items(expr.ArgumentList.Expressions).map(scalar), type, fill },
      expr.TextStart,
    );
  });
  const axis = scalar(n.OnClause.Expression);
  if (axis.type !== 'datetime')
    throw new UnsupportedError(`make-series on an axis of type ${axis.type}`, n.OnClause.TextStart);
  const bound = (clause: any): Scalar | null => (clause ? scalar(clause.Expression) : null);
  return {
    kind: 'makeSeries',
    input,
    aggregates,
    axis: { name: names[names.length - 1], expr: axis },
    from: bound(range.MakeSeriesFromClause),
    to: bound(range.MakeSeriesToClause),
    step: scalar(range.MakeSeriesStepClause.Expression),
    by: by.map((e, i) => named(e, names[i])),
  };
}

/** What a column of each type captures, where it is not simply text. */
const NUMBER_PATTERNS: Partial<Record<KqlType, string>> = {
  long: '-?\\d+',
  int: '-?\\d+',
  real: '-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?',
  decimal: '-?(?:\\d+\\.?\\d*|\\.\\d+)',
};

/**
 * parse and parse-where: the pattern as one RE2 regular expression, anchored at the start (a
 * leading `*` skips text). Kinds, as Kusto's documentation gives them: simple and relaxed take the
 * constants literally and capture a text column lazily (up to the first occurrence of the next
 * constant; a column ending the pattern takes the rest); regex takes the constants as regular
 * expressions and captures text greedily (flags apply to the whole pattern: `U` makes it lazy).
 * A number column captures digits. A capture that does not convert to its column's type fails
 * the whole match in simple and regex (every column null); in relaxed only that column is null,
 * and a column followed by a constant captures whatever text comes before it.
 */
function parse(input: Tabular, n: any, filter: boolean): Tabular {
  let mode = 'simple';
  let flags = '';
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName ?? '').toLowerCase();
    if (name === 'kind') mode = parameterText(p).toLowerCase();
    else if (name === 'flags') flags = parameterText(p);
    else throw new UnsupportedError(`parse ${name}=`, p.TextStart);
  }
  if (!['simple', 'regex', 'relaxed'].includes(mode))
    throw new UnsupportedError(`parse kind=${mode}`, n.TextStart);
  if (flags && (mode !== 'regex' || !/^[imsU]+$/.test(flags)))
    throw new UnsupportedError(
      `parse flags=${flags}${mode === 'regex' ? '' : ` with kind=${mode}`}`,
      n.TextStart,
    );
  const before = new Set(inputColumns(n));
  const elements = nodes(n.Patterns);
  let regex = flags ? `(?${flags})^` : '^';
  let groups = 0;
  const columns: { name: string; type: KqlType; group: number }[] = [];
  elements.forEach((e, i) => {
    const kind = kindOf(e);
    const next = elements[i + 1];
    if (kind === 'StarExpression') regex += '.*?';
    else if (kind === 'NameDeclaration' || kind === 'NameAndTypeDeclaration') {
      const decl = kind === 'NameDeclaration' ? e : e.Name;
      const name = String(decl.SimpleName);
      if (before.has(name))
        throw new UnsupportedError(`parse into ${name}, a column the input already has`, e.TextStart);
      const type = typeOf(decl);
      const constantNext = next !== undefined && kindOf(next) !== 'StarExpression';
      const number = mode === 'relaxed' && constantNext ? undefined : NUMBER_PATTERNS[type];
      const text = mode === 'regex' || !next ? '.*' : '.*?';
      columns.push({ name, type, group: ++groups });
      regex += `(${number ?? text})${!next && !number ? '$' : ''}`;
    } else {
      const constant = scalar(e);
      if (constant.kind !== 'literal' || typeof constant.value !== 'string')
        throw new UnsupportedError('a parse pattern part that is not a string constant', e.TextStart);
      if (mode === 'regex') {
        regex += `(?:${constant.value})`;
        groups += captureGroups(constant.value);
      } else regex += escapeRegex(constant.value);
    }
  });
  return {
    kind: 'parse',
    input,
    text: scalar(n.Expression),
    regex,
    groups,
    columns,
    strict: mode !== 'relaxed',
    filter,
  };
}

/** The join kinds; innerunique is Kusto's default (lookup's default is leftouter). */
const JOIN_KINDS = new Set<string>([
  'innerunique',
  'inner',
  'leftouter',
  'rightouter',
  'fullouter',
  'leftsemi',
  'leftanti',
  'rightsemi',
  'rightanti',
]);

/** join, and lookup (a join whose output keeps the right side's key columns only once). */
function join(input: Tabular, n: any, lookup = false): Tabular {
  let kind = lookup ? 'leftouter' : 'innerunique';
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName).toLowerCase();
    if (name === 'kind')
      kind = String(p.Expression?.Token?.Text ?? p.Expression?.ToString?.() ?? '').toLowerCase();
    else if (name !== 'hint.strategy' && name !== 'hint.remote' && name !== 'hint.shufflekey')
      throw new UnsupportedError(`${lookup ? 'lookup' : 'join'} ${name}=`, p.TextStart);
  }
  if (kind === 'anti') kind = 'leftanti';
  if (kind === 'semi') kind = 'leftsemi';
  if (kind === 'left') kind = 'leftouter';
  if (!JOIN_KINDS.has(kind) || (lookup && kind !== 'leftouter' && kind !== 'inner'))
    throw new UnsupportedError(`${lookup ? 'lookup' : 'join'} kind=${kind}`, n.TextStart);
  const clause = lookup ? n.LookupClause : n.ConditionClause;
  const on = items(clause?.Expressions ?? { Count: 0 }).map((e) => {
    // `on X` (same name both sides) or `on $left.X == $right.Y`.
    if (kindOf(e) === 'NameReference')
      return { left: String(e.SimpleName), right: String(e.SimpleName), type: typeOf(e) };
    if (
      kindOf(e) !== 'EqualExpression' ||
      kindOf(e.Left) !== 'PathExpression' ||
      kindOf(e.Right) !== 'PathExpression'
    )
      throw new UnsupportedError('a join condition other than equal columns', e.TextStart);
    const side = (p: any): string => String(p.Expression?.SimpleName ?? '');
    const [l, r] = side(e.Left) === '$left' ? [e.Left, e.Right] : [e.Right, e.Left];
    return {
      left: String(l.Selector.SimpleName),
      right: String(r.Selector.SimpleName),
      type: typeOf(e.Left),
    };
  });
  if (on.length === 0) throw new UnsupportedError('a join without keys', n.TextStart);
  const right = tabular(n.Expression);
  const leftIn = inputColumns(n);
  const rightIn = columnNames(n.Expression);
  const all = columnNames(n);
  const rightOnly = kind === 'rightsemi' || kind === 'rightanti';
  const leftOnly = kind === 'leftsemi' || kind === 'leftanti';
  const leftColumns = rightOnly ? [] : leftIn;
  // lookup leaves out the right side's keys; a join keeps them (renamed where names clash).
  const rightKeys = new Set(on.map((k) => k.right));
  const rightKept = leftOnly ? [] : lookup ? rightIn.filter((c) => !rightKeys.has(c)) : rightIn;
  const rightNames = all.slice(leftColumns.length);
  if (rightNames.length !== rightKept.length || all.length !== leftColumns.length + rightKept.length)
    throw new UnsupportedError(
      `${lookup ? 'lookup' : 'join'} output columns as the analyzer gave them`,
      n.TextStart,
    );
  return {
    kind: 'join',
    input,
    right,
    join: kind as JoinKind,
    on,
    leftColumns,
    rightColumns: rightKept.map((from, i) => ({ from, as: rightNames[i] })),
  };
}

function tabular(n: any): Tabular {
  return placeAt(tabularOf(n), n.TextStart);
}

function tabularOf(n: any): Tabular {
  const kind = kindOf(n);
  if (kind === 'PipeExpression' && kindOf(n.Operator) === 'RenderOperator') return tabular(n.Expression);
  if (kind === 'PipeExpression') return operator(tabular(n.Expression), n.Operator);
  if (kind === 'NameReference') {
    const bound = bindings.get(String(n.SimpleName));
    if (bound && 'table' in bound) return bound.table;
    if (bound && 'node' in bound && isTabular(bound.node)) return tabular(bound.node);
    return { kind: 'table', name: String(n.SimpleName) };
  }
  if (kind === 'ParenthesizedExpression') return tabular(n.Expression);
  if (kind === 'DataTableExpression') return dataTable(n);
  if (kind === 'PrintOperator') return print(n);
  if (kind === 'UnionOperator')
    return union(
      items(n.Expressions).map((e) => ({ node: e, lowered: null })),
      n,
    );
  if (kind === 'FunctionCallExpression') {
    const name = String(n.Name.SimpleName);
    const own = bindings.get(name);
    if (own && 'fn' in own) return invoke(own.fn, n, null, tabular);
    // materialize() caches a result in Kusto; here the engine plans it like any subquery.
    if (name === 'materialize') return tabular(items(n.ArgumentList.Expressions)[0]);
  }
  throw new UnsupportedError(describe(kind), n.TextStart);
}

/** `datatable(a:string, b:long) ["x", 1, ...]`: rows of constants, typed by the schema. */
function dataTable(n: any): Tabular {
  const columns = resultColumns(n);
  const values = items(n.Values).map(scalar);
  if (columns.length === 0 || values.length % columns.length !== 0)
    throw new UnsupportedError('a datatable whose values do not fill its rows', n.TextStart);
  const rows: Scalar[][] = [];
  for (let i = 0; i < values.length; i += columns.length) rows.push(values.slice(i, i + columns.length));
  return { kind: 'rows', columns, rows };
}

/** `print x = 1, "a"`: one row of scalar expressions, named as the analyzer names them. */
function print(n: any): Tabular {
  const columns = resultColumns(n);
  const exprs = items(n.Expressions);
  return { kind: 'rows', columns, rows: [exprs.map((e) => named(e, '').expr)] };
}

/** "MakeSeriesOperator" -> "make-series"; "JoinOperator" -> "join"; others spelled out. */
function describe(kind: string): string {
  const op = /^(.*)Operator$/.exec(kind);
  if (op) return op[1].replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return kind.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** The chart type of a trailing `| render`, if any. */
function renderOf(n: any): string | null {
  if (kindOf(n) === 'PipeExpression' && kindOf(n.Operator) === 'RenderOperator')
    return String(n.Operator.ChartType?.Text ?? '');
  return null;
}

/**
 * Lowers an analyzed query into the IR: `let` statements (scalars, tables, functions), then one
 * tabular expression.
 */
export function lower(code: any): Query {
  const statements = items(code.Syntax.Statements);
  bindings = new Map();
  for (const st of statements.slice(0, -1)) {
    if (kindOf(st) === 'ExpressionStatement')
      throw new UnsupportedError(
        'several queries in one request (only the last statement may be a query)',
        st.TextStart,
      );
    bind(st);
  }
  const st = statements[statements.length - 1];
  if (!st) throw new UnsupportedError('an empty query (no table expression to run)', 0);
  if (kindOf(st) !== 'ExpressionStatement') throw new UnsupportedError(describe(kindOf(st)), st.TextStart);
  const expr = st.Expression;
  if (!isTabular(expr)) throw new UnsupportedError('a query that is not a table (use print)', expr.TextStart);
  const body = tabular(expr);
  return { body, columns: resultColumns(expr), render: renderOf(expr) };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
