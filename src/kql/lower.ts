/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Aggregate, BinaryOp, KqlType, NamedScalar, Query, Scalar, SortKey, Tabular } from './ir.js';
import { kustoLanguage } from './kusto-language.js';

/** A query construct the engine does not handle yet: named, with its position, never approximated. */
export class UnsupportedError extends Error {
  constructor(
    readonly construct: string,
    readonly start: number,
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
      return { kind: 'literal', type, value: /^true$/i.test(text) };
    case 'long':
    case 'int':
    case 'real':
    case 'decimal': {
      const inner = /^\w+\((.*)\)$/.exec(text)?.[1] ?? text;
      const value = Number(inner);
      if (!Number.isFinite(value)) throw new UnsupportedError(`the literal ${text}`, n.TextStart);
      return { kind: 'literal', type, value };
    }
    case 'timespan': {
      const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(text);
      if (!m || UNITS[m[2].toLowerCase()] === undefined)
        throw new UnsupportedError(`the timespan literal ${text}`, n.TextStart);
      return { kind: 'literal', type, value: Number(m[1]) * UNITS[m[2].toLowerCase()] };
    }
    case 'datetime': {
      const inner = /^datetime\((.*)\)$/i.exec(text)?.[1]?.trim() ?? '';
      const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(inner) ? inner : `${inner.replace(' ', 'T')}Z`);
      if (!inner || Number.isNaN(d.getTime()))
        throw new UnsupportedError(`the datetime literal ${text}`, n.TextStart);
      return { kind: 'literal', type, value: d.toISOString() };
    }
    default:
      throw new UnsupportedError(`${type} literals`, n.TextStart);
  }
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
]);

/** Inside a summarize: turns an aggregate call into a reference to the column computing it. */
let aggregateCalls: ((n: any, fn: string) => Scalar) | null = null;

/** The scalar `let` bindings in scope, by name: a reference to one is replaced by its value. */
let bindings = new Map<string, any>();

function scalar(n: any): Scalar {
  const kind = kindOf(n);
  if (kind === 'ParenthesizedExpression') return scalar(n.Expression);
  if (kind === 'NameReference') {
    const bound = bindings.get(String(n.SimpleName));
    const isVariable = String(n.ReferencedSymbol?.constructor?.$$name ?? '').endsWith('VariableSymbol');
    if (bound && isVariable) return scalar(bound);
    return { kind: 'column', name: String(n.SimpleName), type: typeOf(n) };
  }
  if (kind.endsWith('LiteralExpression')) return literal(n);
  if (kind === 'UnaryMinusExpression') {
    const operand = scalar(n.Expression);
    if (operand.kind === 'literal' && typeof operand.value === 'number')
      return { ...operand, value: -operand.value };
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
    const values = items(n.Right.Expressions).map(scalar);
    return { kind: 'in', operand: scalar(n.Left), values, ...inOp, type: 'bool' };
  }
  const op = BINARY[kind];
  if (op) return { kind: 'binary', op, left: scalar(n.Left), right: scalar(n.Right), type: typeOf(n) };
  if (kind === 'FunctionCallExpression') {
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

/** The output column names of a tabular node, as the analyzer computed them. */
function columnNames(n: any): string[] {
  const cols = n.ResultType?.Columns;
  const out: string[] = [];
  for (let i = 0; i < (cols?.Count ?? 0); i++) out.push(String(cols.getItem(i).Name));
  return out;
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
    case 'ProjectOperator': {
      const exprs = items(n.Expressions);
      const out = columnNames(n);
      let columns: NamedScalar[];
      if (kind === 'ProjectOperator') columns = exprs.map((e, i) => named(e, out[i]));
      else {
        // Extend: a named expression keeps its name (it may replace an input column in place); an
        // unnamed one takes the next name the analyzer added after the input's columns.
        const before = new Set(columnNames(n.Parent?.Expression ?? {}));
        const added = out.filter((c) => !before.has(c));
        columns = exprs.map((e) =>
          kindOf(e) === 'SimpleNamedExpression'
            ? named(e, String(e.Name.SimpleName))
            : named(e, added.shift() ?? `Column${out.length}`),
        );
      }
      return kind === 'ExtendOperator'
        ? { kind: 'extend', input, columns }
        : { kind: 'project', input, columns };
    }
    case 'SummarizeOperator':
      return summarize(input, n);
    case 'SortOperator': {
      const keys: SortKey[] = items(n.Expressions).map((e) => {
        const ordered = kindOf(e) === 'OrderedExpression';
        const expr = scalar(ordered ? e.Expression : e);
        const dir = ordered ? String(e.Ordering?.AscOrDescKeyword?.Text ?? '').toLowerCase() : '';
        const desc = dir !== 'asc';
        const nulls = ordered
          ? String(e.Ordering?.NullsClause?.FirstOrLastKeyword?.Text ?? '').toLowerCase()
          : '';
        // Kusto's default: nulls last when descending, first when ascending.
        return { expr, desc, nullsFirst: nulls ? nulls === 'first' : !desc };
      });
      return { kind: 'sort', input, keys };
    }
    default:
      throw new UnsupportedError(describe(kind), n.TextStart);
  }
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
  const best = aggs.length === 1 ? argBest(input, aggs[0], byCols, names) : null;
  if (best) return best;
  const aggregates: Aggregate[] = [];
  const outputs: NamedScalar[] = [];
  aggs.forEach((a, i) => {
    const expr = kindOf(a) === 'SimpleNamedExpression' ? a.Expression : a;
    const name = names[by.length + i];
    aggregateCalls = (call: any, fn: string): Scalar => {
      const inner = `__agg${aggregates.length}`;
      const saved = aggregateCalls;
      aggregateCalls = null; // no aggregate inside an aggregate
      try {
        aggregates.push({
          name: inner,
          fn,
          args: items(call.ArgumentList.Expressions).map(scalar),
          type: typeOf(call),
        });
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
    return { ...grouped, aggregates: aggregates.map((a, i) => ({ ...a, name: outputs[i].name })) };
  const pass = byCols.map((b): NamedScalar => ({
    name: b.name,
    expr: { kind: 'column', name: b.name, type: b.expr.type },
  }));
  return { kind: 'project', input: grouped, columns: [...pass, ...outputs] };
}

/** `summarize arg_max(x, *) by k`: the whole row with the greatest x in each group. */
function argBest(input: Tabular, a: any, by: NamedScalar[], names: string[]): Tabular | null {
  if (kindOf(a) !== 'FunctionCallExpression') return null;
  const fn = String(a.Name.SimpleName).toLowerCase();
  if (fn !== 'arg_max' && fn !== 'arg_min') return null;
  const args = items(a.ArgumentList.Expressions);
  if (args.length !== 2 || kindOf(args[1]) !== 'StarExpression')
    throw new UnsupportedError(`${fn}() with arguments other than (expression, *)`, a.TextStart);
  return { kind: 'argBest', input, by, expr: scalar(args[0]), max: fn === 'arg_max', columns: names };
}

function mvExpand(input: Tabular, n: any): Tabular {
  const exprs = items(n.Expressions);
  if (exprs.length !== 1) throw new UnsupportedError('mv-expand of several columns', n.TextStart);
  if (n.Parameters?.Count > 0 || n.WithItemIndex || n.RowLimit)
    throw new UnsupportedError('mv-expand with parameters, with_itemindex or limit', n.TextStart);
  const e = exprs[0];
  if (e.ToTypeOf) throw new UnsupportedError('mv-expand to typeof()', e.ToTypeOf.TextStart);
  const x = e.Expression;
  const name =
    kindOf(x) === 'SimpleNamedExpression'
      ? String(x.Name.SimpleName)
      : kindOf(x) === 'NameReference'
        ? String(x.SimpleName)
        : null;
  if (!name) throw new UnsupportedError('mv-expand of an unnamed expression', x.TextStart);
  return { kind: 'mvExpand', input, name, expr: named(x, name).expr };
}

/** The join kinds compiled so far; innerunique is Kusto's default. */
const JOIN_KINDS = new Set(['innerunique', 'inner', 'leftouter', 'leftsemi', 'leftanti']);

function join(input: Tabular, n: any): Tabular {
  let kind = 'innerunique';
  const params = n.Parameters;
  for (let i = 0; i < (params?.Count ?? 0); i++) {
    const p = params.getItem(i);
    if (String(p.Name?.SimpleName).toLowerCase() === 'kind')
      kind = String(p.Expression?.Token?.Text ?? '').toLowerCase();
  }
  if (!JOIN_KINDS.has(kind)) throw new UnsupportedError(`join kind=${kind}`, n.TextStart);
  const on = items(n.ConditionClause?.Expressions ?? { Count: 0 }).map((e) => {
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
  const leftCount = columnNames(n.Parent?.Expression ?? {}).length;
  const all = columnNames(n);
  return {
    kind: 'join',
    input,
    right,
    join: kind as 'innerunique' | 'inner' | 'leftouter' | 'leftsemi' | 'leftanti',
    on,
    rightNames: kind === 'leftsemi' || kind === 'leftanti' ? [] : all.slice(leftCount),
  };
}

function tabular(n: any): Tabular {
  const kind = kindOf(n);
  if (kind === 'PipeExpression' && kindOf(n.Operator) === 'RenderOperator') return tabular(n.Expression);
  if (kind === 'PipeExpression') return operator(tabular(n.Expression), n.Operator);
  if (kind === 'NameReference') return { kind: 'table', name: String(n.SimpleName) };
  if (kind === 'ParenthesizedExpression') return tabular(n.Expression);
  throw new UnsupportedError(describe(kind), n.TextStart);
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
 * Lowers an analyzed query into the IR: scalar `let` statements, then one tabular expression.
 * `let` of tables, functions and lambdas is refused for now.
 */
export function lower(code: any): Query {
  const statements = items(code.Syntax.Statements);
  bindings = new Map();
  for (const st of statements.slice(0, -1)) {
    if (kindOf(st) !== 'LetStatement') throw new UnsupportedError(describe(kindOf(st)), st.TextStart);
    const t = String(st.Expression?.ResultType?.Name ?? '');
    if (!TYPES[t] || st.Expression?.ResultType?.Columns)
      throw new UnsupportedError('let of a table or a function', st.TextStart);
    bindings.set(String(st.Name.SimpleName), st.Expression);
  }
  const st = statements[statements.length - 1];
  if (kindOf(st) !== 'ExpressionStatement') throw new UnsupportedError(describe(kindOf(st)), st.TextStart);
  const expr = st.Expression;
  const body = tabular(expr);
  const cols = expr.ResultType?.Columns;
  const columns: { name: string; type: KqlType }[] = [];
  for (let i = 0; i < (cols?.Count ?? 0); i++) {
    const c = cols.getItem(i);
    columns.push({ name: String(c.Name), type: TYPES[String(c.Type.Name)] ?? 'dynamic' });
  }
  return { body, columns, render: renderOf(expr) };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
