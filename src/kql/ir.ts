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

export type Scalar =
  | { readonly kind: 'column'; readonly name: string; readonly type: KqlType }
  /** datetime values are ISO strings, timespans microseconds. */
  | { readonly kind: 'literal'; readonly type: KqlType; readonly value: string | number | boolean | null }
  | {
      readonly kind: 'binary';
      readonly op: BinaryOp;
      readonly left: Scalar;
      readonly right: Scalar;
      readonly type: KqlType;
    }
  | { readonly kind: 'not'; readonly operand: Scalar; readonly type: 'bool' }
  /** `x in (a, b)`, `!in`, and `in~` (case-insensitive). */
  | {
      readonly kind: 'in';
      readonly operand: Scalar;
      readonly values: readonly Scalar[];
      readonly negated: boolean;
      readonly caseInsensitive: boolean;
      readonly type: 'bool';
    }
  /** An element of a dynamic value: `x[0]`, `x[-1]` (from the end), `x["key"]`, `x.key`. */
  | { readonly kind: 'index'; readonly base: Scalar; readonly key: Scalar; readonly type: 'dynamic' }
  | { readonly kind: 'call'; readonly fn: string; readonly args: readonly Scalar[]; readonly type: KqlType };

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

export type Tabular =
  | { readonly kind: 'table'; readonly name: string }
  | { readonly kind: 'where'; readonly input: Tabular; readonly predicate: Scalar }
  | { readonly kind: 'extend'; readonly input: Tabular; readonly columns: readonly NamedScalar[] }
  | { readonly kind: 'project'; readonly input: Tabular; readonly columns: readonly NamedScalar[] }
  | {
      readonly kind: 'summarize';
      readonly input: Tabular;
      readonly aggregates: readonly Aggregate[];
      readonly by: readonly NamedScalar[];
    }
  | { readonly kind: 'sort'; readonly input: Tabular; readonly keys: readonly SortKey[] }
  | { readonly kind: 'take'; readonly input: Tabular; readonly count: number }
  | { readonly kind: 'distinct'; readonly input: Tabular; readonly columns: readonly NamedScalar[] }
  | {
      readonly kind: 'join';
      readonly input: Tabular;
      readonly right: Tabular;
      /** innerunique (Kusto's default): one left row per key (any one), then inner. */
      readonly join: 'innerunique' | 'inner' | 'leftouter' | 'leftsemi' | 'leftanti';
      /** Equality keys: a column of the left side, a column of the right side. */
      readonly on: readonly { readonly left: string; readonly right: string; readonly type: KqlType }[];
      /** Output names of the right side's columns, in order (clashes renamed as Kusto does). */
      readonly rightNames: readonly string[];
    }
  | { readonly kind: 'count'; readonly input: Tabular }
  /**
   * mv-expand of one dynamic value: a row per array element (none for an empty array, one for
   * null or a scalar), a row per property of a bag (as a one-property bag), in column `name`.
   */
  /** The whole row with the greatest (least) expr per group: the output columns by name. */
  | {
      readonly kind: 'argBest';
      readonly input: Tabular;
      readonly by: readonly NamedScalar[];
      readonly expr: Scalar;
      readonly max: boolean;
      readonly columns: readonly string[];
    }
  | { readonly kind: 'mvExpand'; readonly input: Tabular; readonly name: string; readonly expr: Scalar };

/** A query: its tabular expression, output columns (as the analyzer names and types them). */
export interface Query {
  readonly body: Tabular;
  readonly columns: readonly { readonly name: string; readonly type: KqlType }[];
  /** `render` does not change the result: its chart type is returned beside it. */
  readonly render: string | null;
}
