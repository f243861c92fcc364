import type { Store, Value } from '../store/store.js';
import type { KqlType } from './ir.js';
import { notFilledMessage } from './azure-tables.js';
import { analyze, type KustoDiagnostic } from './kusto-language.js';
import { lower } from './lower/lowering.js';
import { UnsupportedError } from './lower/unsupported.js';
import type { ReadScope } from './read-scope.js';
import { DuckDBCompiler } from './sql/duckdb-compiler.js';

/** A query Kusto's analyzer rejects, or that uses something not supported yet: where and why. */
export class KqlError extends Error {
  constructor(
    readonly diagnostics: readonly KustoDiagnostic[],
    readonly query: string,
  ) {
    super(diagnostics.map((d) => d.message).join('; '));
    this.name = 'KqlError';
  }
}

/** Typographic quotes pasted from blogs: Kusto reads them as names, so say what to do instead. */
const TYPOGRAPHIC = /[\u2018\u2019\u201C\u201D]/;

/** A compiled query: one SELECT, the columns it yields with their Kusto types, its chart type. */
export interface CompiledKql {
  readonly sql: string;
  readonly columns: readonly { readonly name: string; readonly type: KqlType }[];
  readonly render: string | null;
}

/** A query's result: Kusto's column names and types, the rows, and the chart type of `render`. */
export interface KqlResult {
  readonly columns: readonly { readonly name: string; readonly type: KqlType }[];
  readonly rows: readonly Value[][];
  readonly render: string | null;
}

/**
 * Compiles KQL to SQL for DuckDB (analyzer first: a query with errors never runs). `scope`, for
 * scheduled detection, replaces what tables and now() read (see read-scope.ts).
 */
export function compileKql(query: string, now: Date, scope?: ReadScope): CompiledKql {
  try {
    return compileChecked(query, now, scope);
  } catch (err) {
    // Kusto's analyzer and our lowering recurse over the syntax tree: a chain of thousands of lets
    // or hundreds of joins exhausts the stack. That is this query's error, never the process's.
    if (err instanceof RangeError && /call stack/i.test(err.message)) throw tooComplex(query);
    if (err instanceof KqlError) throw err;
    // Whatever else fails inside is this query's error, never a stack trace or a lost batch.
    throw wholeQueryError(`internal error: ${describe(err)} (please report it with the query)`, query);
  }
}

/** An error about the query as a whole (no one position to point at). */
function wholeQueryError(message: string, query: string): KqlError {
  return new KqlError([{ message, start: 0, length: query.length, severity: 'Error' }], query);
}

/** Kusto's "does not refer to any known table" for an Azure table vnetflow does not fill: which, and why. */
function explainUnknownTable(d: KustoDiagnostic): KustoDiagnostic {
  const name = /^The name '([^']+)' does not refer to any known/.exec(d.message)?.[1];
  const message = name ? notFilledMessage(name) : null;
  return message ? { ...d, message } : d;
}

/** The message of anything thrown: a JS error or a .NET exception from Kusto.Language. */
function describe(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message : String(err);
}

/** The error for a query nested beyond what can be compiled or run. */
export function tooComplex(query: string): KqlError {
  return wholeQueryError(
    'query too complex: its let statements, joins or expressions nest too deeply to compile; split it into smaller queries or materialize() the intermediate results',
    query,
  );
}

/** True for the engine's error about a query nested too deeply to run. */
export function isTooDeep(err: unknown): boolean {
  return /max(imum)? expression depth|call stack/i.test((err as Error)?.message ?? '');
}

function compileChecked(query: string, now: Date, scope: ReadScope | undefined): CompiledKql {
  let analyzed: ReturnType<typeof analyze>;
  try {
    analyzed = analyze(query);
  } catch (err) {
    if (err instanceof RangeError) throw err;
    // Kusto.Language itself throws on a few malformed calls (countof() with a timespan for its
    // kind, for one): the query is at fault, so say so in its terms.
    throw wholeQueryError(
      `Kusto's analyzer could not check this query (${describe(err)}): look for a function argument of the wrong kind`,
      query,
    );
  }
  const { code, diagnostics } = analyzed;
  const errors = diagnostics.filter((d) => d.severity === 'Error').map(explainUnknownTable);
  if (errors.length > 0) {
    const quote = TYPOGRAPHIC.exec(query);
    if (quote)
      errors.unshift({
        message: `typographic quote ${quote[0]} (from a blog or a word processor): replace it with ' or "`,
        start: quote.index,
        length: 1,
        severity: 'Error',
      });
    throw new KqlError(errors, query);
  }
  try {
    const q = lower(code);
    const joins = countJoins(q);
    if (joins > MAX_JOINS)
      throw wholeQueryError(
        `query too complex: ${joins} joins in one query (at most ${MAX_JOINS}), since planning time grows much faster than the joins: split it, or materialize() the intermediate results`,
        query,
      );
    return { sql: new DuckDBCompiler(now, scope).compile(q), columns: q.columns, render: q.render };
  } catch (err) {
    if (err instanceof UnsupportedError)
      throw new KqlError(
        [{ message: err.message, start: err.start ?? 0, length: 1, severity: 'Error' }],
        query,
      );
    throw err;
  }
}

/** The most joins one query may have: DuckDB's join planning grows much faster than their count. */
const MAX_JOINS = 64;

/** Join nodes anywhere in a lowered query (iteratively: the tree may be deep). */
function countJoins(root: unknown): number {
  let joins = 0;
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || seen.has(node)) continue;
    seen.add(node);
    if ((node as { kind?: unknown }).kind === 'join') joins++;
    for (const v of Object.values(node)) if (typeof v === 'object' && v !== null) stack.push(v);
  }
  return joins;
}

/** Runs KQL over the store; `now` pins now() and ago() for reproducible results. */
export async function runKql(store: Store, query: string, now = new Date()): Promise<KqlResult> {
  const { sql, columns, render } = compileKql(query, now);
  return { columns, rows: (await store.table(sql)).rows, render };
}

/** A diagnostic as Kusto shows it: line, column, and a caret under the spot. */
export function formatDiagnostic(query: string, d: KustoDiagnostic): string {
  const { line, column } = position(query, d.start);
  const text = query.split('\n')[line - 1] ?? '';
  return `line ${line}, column ${column}: ${d.message}\n  ${text}\n  ${' '.repeat(column - 1)}^`;
}

/** The 1-based line and column of an offset into the query. */
export function position(query: string, offset: number): { line: number; column: number } {
  const before = query.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}
