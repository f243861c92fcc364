/**
 * vnetflow's query IR: what a KQL query means, independent of Kusto's syntax tree and of the SQL
 * dialect it is compiled to. Nodes are immutable and tagged with `kind`; compilers switch on
 * `kind` exhaustively (the `never` checks make a missing case a type error).
 */

/** Kusto's scalar types, as the analyzer names them. */
export type KqlType =
  'string' | 'long' | 'int' | 'real' | 'bool' | 'datetime' | 'timespan' | 'dynamic' | 'decimal';

export type BinaryOp =
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'and'
  | 'or'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | 'contains'
  | '!contains'
  | 'contains_cs'
  | '!contains_cs'
  | 'has'
  | '!has'
  | 'has_cs'
  | '!has_cs'
  | 'startswith'
  | '!startswith'
  | 'startswith_cs'
  | '!startswith_cs'
  | 'endswith'
  | '!endswith'
  | 'endswith_cs'
  | '!endswith_cs'
  | '=~'
  | '!~';

/** A column of the input, read by name. */
export interface ColumnRef {
  readonly kind: 'column';
  readonly name: string;
  readonly type: KqlType;
}

/** datetime values are ISO strings, timespans microseconds, a long beyond 2^53 its digits. */
export interface Literal {
  readonly kind: 'literal';
  readonly type: KqlType;
  readonly value: string | number | boolean | null;
}

export interface Binary {
  readonly kind: 'binary';
  readonly op: BinaryOp;
  readonly left: Scalar;
  readonly right: Scalar;
  readonly type: KqlType;
}

export interface Not {
  readonly kind: 'not';
  readonly operand: Scalar;
  readonly type: 'bool';
}

/** `x in (a, b)`, `!in`, and `in~` (case-insensitive); `x in (T)`: the first column of T. */
export interface In {
  readonly kind: 'in';
  readonly operand: Scalar;
  readonly values: readonly Scalar[];
  /** A tabular expression in place of the values (`values` is then empty). */
  readonly query?: Tabular;
  readonly negated: boolean;
  readonly caseInsensitive: boolean;
  readonly type: 'bool';
}

/** An element of a dynamic value: `x[0]`, `x[-1]` (from the end), `x["key"]`, `x.key`. */
export interface Index {
  readonly kind: 'index';
  readonly base: Scalar;
  readonly key: Scalar;
  readonly type: 'dynamic';
}

/** toscalar(): the first column of the first row of a tabular expression (null if it has none). */
export interface ScalarQuery {
  readonly kind: 'scalarQuery';
  readonly query: Tabular;
  readonly type: KqlType;
}

/** A call of a function of the registry (src/kql/functions/). */
export interface Call {
  readonly kind: 'call';
  readonly fn: string;
  readonly args: readonly Scalar[];
  readonly type: KqlType;
}

export type Scalar = ColumnRef | Literal | Binary | Not | In | Index | ScalarQuery | Call;

export interface NamedScalar {
  readonly name: string;
  readonly expr: Scalar;
}

export interface Aggregate {
  readonly name: string;
  readonly fn: string;
  readonly args: readonly Scalar[];
  readonly type: KqlType;
}

export interface SortKey {
  readonly expr: Scalar;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export interface Table {
  readonly kind: 'table';
  readonly name: string;
}

export interface Where {
  readonly kind: 'where';
  readonly input: Tabular;
  readonly predicate: Scalar;
}

export interface Extend {
  readonly kind: 'extend';
  readonly input: Tabular;
  readonly columns: readonly NamedScalar[];
}

export interface Project {
  readonly kind: 'project';
  readonly input: Tabular;
  readonly columns: readonly NamedScalar[];
}

export interface Summarize {
  readonly kind: 'summarize';
  readonly input: Tabular;
  readonly aggregates: readonly Aggregate[];
  readonly by: readonly NamedScalar[];
}

export interface Sort {
  readonly kind: 'sort';
  readonly input: Tabular;
  readonly keys: readonly SortKey[];
}

export interface Take {
  readonly kind: 'take';
  readonly input: Tabular;
  readonly count: number;
}

export interface Distinct {
  readonly kind: 'distinct';
  readonly input: Tabular;
  readonly columns: readonly NamedScalar[];
}

export interface Join {
  readonly kind: 'join';
  readonly input: Tabular;
  readonly right: Tabular;
  /** innerunique (Kusto's default): one left row per key (any one), then inner. */
  readonly join: JoinKind;
  /** Equality keys: a column of the left side, a column of the right side. */
  readonly on: readonly { readonly left: string; readonly right: string; readonly type: KqlType }[];
  /** The output columns: left's (none for the right semi and anti kinds), then right's, renamed. */
  readonly leftColumns: readonly string[];
  readonly rightColumns: readonly { readonly from: string; readonly as: string }[];
}

/** Literal rows: `datatable` and `print`. */
export interface Rows {
  readonly kind: 'rows';
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly Scalar[])[];
}

/** Tables one after the other, matched by column name (a column a leg lacks is null there). */
export interface Union {
  readonly kind: 'union';
  readonly inputs: readonly Tabular[];
  readonly columns: readonly Column[];
  /** `withsource=Name`: a column naming each row's leg. */
  readonly source: { readonly name: string; readonly labels: readonly string[] } | null;
}

export interface Count {
  readonly kind: 'count';
  readonly input: Tabular;
}

/** The whole row with the greatest (least) expr per group: the output columns by name. */
export interface ArgBest {
  readonly kind: 'argBest';
  readonly input: Tabular;
  readonly by: readonly NamedScalar[];
  readonly expr: Scalar;
  readonly max: boolean;
  readonly columns: readonly string[];
}

/** What mv-expand and mv-apply expand. */
export interface Expansion {
  /** Expanded side by side: row i holds element i of each (null where one is shorter). */
  readonly columns: readonly { readonly name: string; readonly expr: Scalar; readonly to: KqlType }[];
  /** `with_itemindex=Name`: the element's position, from 0. */
  readonly index: string | null;
  /** `limit N`: at most N rows per input row. */
  readonly limit: number | null;
}

/**
 * mv-expand: a row per array element (none for an empty array, one for null or a scalar), a row
 * per property of a bag (as a one-property bag), converted to `to`.
 */
export interface MvExpand extends Expansion {
  readonly kind: 'mvExpand';
  readonly input: Tabular;
}

/**
 * parse and parse-where: columns captured from a text by one RE2 regular expression (the pattern
 * as the lowering builds it), each converted to its type.
 */
export interface Parse {
  readonly kind: 'parse';
  readonly input: Tabular;
  readonly text: Scalar;
  readonly regex: string;
  /** The regex's capture groups in all (a regex-mode pattern may hold groups of its own). */
  readonly groups: number;
  /** Each column and the (1-based) group that captures it. */
  readonly columns: readonly { readonly name: string; readonly type: KqlType; readonly group: number }[];
  /**
   * simple and regex kinds: a captured text that does not convert to its column's type fails the
   * whole match (every column null); relaxed: that column alone is null.
   */
  readonly strict: boolean;
  /** parse-where: only the rows that parse. */
  readonly filter: boolean;
}

/**
 * make-series: per group of `by`, one array per aggregate over the bins of `axis` (from `from`,
 * inclusive, to `to`, exclusive, by `step`; without them, from the group's first bin with data to
 * its last), absent bins holding the aggregate's default; the bins themselves in `axis`'s column.
 */
export interface MakeSeries {
  readonly kind: 'makeSeries';
  readonly input: Tabular;
  readonly aggregates: readonly (Aggregate & { readonly fill: Scalar })[];
  readonly axis: NamedScalar;
  readonly from: Scalar | null;
  readonly to: Scalar | null;
  readonly step: Scalar;
  readonly by: readonly NamedScalar[];
}

/**
 * mv-apply: for each input row, `subquery` run over the row's expansion (as mv-expand makes it,
 * with the row's other columns beside each element); the row's columns and the subquery's
 * result, per `columns` (the analyzer's output: a name the subquery yields is taken from it).
 */
export interface MvApply {
  readonly kind: 'mvApply';
  readonly input: Tabular;
  readonly expand: Expansion;
  readonly subquery: Tabular;
  readonly columns: readonly string[];
}

/** Inside an mv-apply subquery: the sub-table of the row being applied. */
export interface ApplyInput {
  readonly kind: 'applyInput';
}

export type Tabular =
  | Table
  | Where
  | Extend
  | Project
  | Summarize
  | Sort
  | Take
  | Distinct
  | Join
  | Rows
  | Union
  | Count
  | ArgBest
  | MvExpand
  | Parse
  | MakeSeries
  | MvApply
  | ApplyInput;

/** A column: its name and Kusto type. */
export interface Column {
  readonly name: string;
  readonly type: KqlType;
}

export type JoinKind =
  | 'innerunique'
  | 'inner'
  | 'leftouter'
  | 'rightouter'
  | 'fullouter'
  | 'leftsemi'
  | 'leftanti'
  | 'rightsemi'
  | 'rightanti';

/** A query: its tabular expression, output columns (as the analyzer names and types them). */
export interface Query {
  readonly body: Tabular;
  readonly columns: readonly Column[];
  /** `render` does not change the result: its chart type is returned beside it. */
  readonly render: string | null;
}

/**
 * Where in the query text each node came from (an offset), for errors found after lowering: a
 * feature the compiler refuses points at its own line and column. Kept beside the nodes, not in
 * them, so the IR stays what the query means.
 */
const positions = new WeakMap<object, number>();

/**
 * Records where a node came from (the first record wins: a let-bound value keeps its definition's);
 * an unknown offset records nothing.
 */
export function placeAt<T extends object>(node: T, offset: number | undefined): T {
  if (offset !== undefined && Number.isInteger(offset) && offset >= 0 && !positions.has(node))
    positions.set(node, offset);
  return node;
}

/** Where a node came from in the query text, if known. */
export function positionOf(node: object): number | undefined {
  return positions.get(node);
}

/**
 * The scalars directly inside a scalar: the one child walker every traversal uses. A subquery's
 * scalars (toscalar(), `in (T)`) belong to its own rows, so they are not children here.
 */
export function scalarChildren(s: Scalar): readonly Scalar[] {
  switch (s.kind) {
    case 'column':
    case 'literal':
    case 'scalarQuery':
      return [];
    case 'binary':
      return [s.left, s.right];
    case 'not':
      return [s.operand];
    case 'in':
      return [s.operand, ...s.values];
    case 'index':
      return [s.base, s.key];
    case 'call':
      return s.args;
    default: {
      const never: never = s;
      throw new Error(`unhandled IR node ${JSON.stringify(never)}`);
    }
  }
}

/** Whether a scalar, or any scalar inside it, passes a test. */
export function someScalar(s: Scalar, test: (x: Scalar) => boolean): boolean {
  return test(s) || scalarChildren(s).some((c) => someScalar(c, test));
}

/** The names of the columns a scalar reads, added to `into`. */
export function columnRefs(s: Scalar, into: Set<string> = new Set()): Set<string> {
  if (s.kind === 'column') into.add(s.name);
  for (const c of scalarChildren(s)) columnRefs(c, into);
  return into;
}
