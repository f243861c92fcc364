import type { KqlType, Scalar } from '../ir.js';

/** A call node of the IR. */
export type Call = Extract<Scalar, { kind: 'call' }>;

/**
 * What a function's SQL is built with: the compiler's own spelling of values, conversions and the
 * few things SQL dialects disagree on. The compiler implements it; a function entry sees nothing else.
 */
export interface SqlContext {
  /** A scalar's SQL, as it reads in the current scope. */
  scalar(x: Scalar): string;
  /** A scalar converted to another type, as Kusto converts. */
  as(x: Scalar, type: KqlType): string;
  /** A string literal. */
  string(value: string): string;
  /** A text expression read as a value of a type, as Kusto's to*() functions read text. */
  fromText(text: string, type: KqlType): string;
  sqlType(t: KqlType): string;
  /** Both sides of a comparison between values the analyzer accepted with different types. */
  comparable(left: Scalar, right: Scalar): [string, string];
  /** `has`: the needle (a constant) is a whole term of the haystack (SQL text). */
  hasTerm(haystack: string, needle: Scalar, cs: boolean): string;
  /** split(s, d) as a SQL list of strings (see DefaultCompiler.stringList). */
  stringList(x: Scalar): string;
  /** A datetime binned by a timespan from an origin (Kusto's is 0001-01-01). */
  binTime(value: string, size: string, origin?: string): string;
  /** A count of microseconds (a BIGINT expression) as a timespan. */
  fromMicroseconds(value: string): string;
  /** A timespan as a count of microseconds. */
  microseconds(value: string): string;
  /** ipv4_is_in_range(ip, "a.b.c.d/n") with a constant range. */
  ipv4InRange(ip: Scalar, range: Scalar): string;
  /** The window of the current input's rows in order (for row functions); null outside one. */
  rowWindow(): string | null;
  /** The query's now(). */
  now(): string;
  /** Another call compiled (a function defined as another one). */
  call(s: Call): string;
}

/**
 * One scalar function of KQL: its name and how a call compiles. The analyzer (Kusto.Language) has
 * already checked the arguments' count and types against Kusto's own signatures, so an entry only
 * says what the call means; a form it cannot compile it refuses with UnsupportedError.
 */
export interface ScalarFunction {
  readonly name: string;
  /** `a`: the arguments' SQL, each as it reads (c.scalar); `s.args` for their IR. */
  readonly sql: (c: SqlContext, s: Call, a: readonly string[]) => string;
  /** Its SQL never yields NULL (what lets a column made of it be read bare). */
  readonly nonNull?: boolean;
  /** A row function: it reads the rows before or after, in order (row_number(), prev()...). */
  readonly rows?: boolean;
  /** Only reached through syntax (`x between (a .. b)`, `has_any`): no function of that name. */
  readonly operatorOnly?: boolean;
}

/** One aggregate function: how it compiles over a group's rows. */
export interface AggregateFunction {
  readonly name: string;
  /** `type`: the result type the analyzer gave. */
  readonly sql: (c: SqlContext, args: readonly Scalar[], a: readonly string[], type: KqlType) => string;
}

/** Entries sharing one SQL builder under several names (`iff` and `iif`). */
export function aliases(names: readonly string[], entry: Omit<ScalarFunction, 'name'>): ScalarFunction[] {
  return names.map((name) => ({ ...entry, name }));
}
