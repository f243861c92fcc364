import type { Store } from '../store/store.js';
import { compileKql, isTooDeep, KqlError, position, tooComplex, type CompiledKql } from './run.js';
import { jsonValue } from './values.js';

/**
 * A query's answer as JSON: the line `vnetflow query --jsonl` writes and `POST /api/query`
 * returns. Values are JSON as Kusto's REST API writes them (values.ts); `error` is null or says
 * why, with the analyzer's positions.
 */
export interface Answer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  render: string | null;
  /** True when rows were cut at maxRows (only when a limit was asked for). */
  truncated?: boolean;
  error: { message: string; diagnostics: { message: string; line: number; column: number }[] } | null;
}

/** An answer that is only an error. */
export function failed(
  message: string,
  diagnostics: NonNullable<Answer['error']>['diagnostics'] = [],
): Answer {
  return { columns: [], rows: [], render: null, error: { message, diagnostics } };
}

/** Answers kept for queries asked again (the server's; see serve/answer-cache.ts). */
export interface AnswerCache {
  /** Compiles as compileKql does, reusing an earlier compilation when it cannot differ. */
  compile(kql: string, now: Date): CompiledKql;
  get(sql: string, maxRows: number | undefined): Answer | undefined;
  set(sql: string, maxRows: number | undefined, answer: Answer): void;
}

/**
 * Compiles and runs one query. Every failure (analyzer, unsupported operator, engine, stack
 * depth, interruption) becomes the answer's error: one query can never take its caller down.
 */
export async function answerKql(
  store: Store,
  kql: string,
  now: Date,
  maxRows?: number,
  cache?: AnswerCache,
): Promise<Answer> {
  let compiled: CompiledKql;
  try {
    compiled = cache ? cache.compile(kql, now) : compileKql(kql, now);
  } catch (err) {
    if (!(err instanceof KqlError))
      return failed(`internal error: ${(err as Error)?.message ?? String(err)}`);
    return failed(
      err.message,
      err.diagnostics.map((d) => ({ message: d.message, ...position(kql, d.start) })),
    );
  }
  // Keyed by the SQL, not the KQL: now() and ago() are literals in it, so one text asked at two
  // times is two entries only when its answer can differ.
  const cached = cache?.get(compiled.sql, maxRows);
  if (cached) return cached;
  try {
    const table =
      maxRows === undefined
        ? { ...(await store.table(compiled.sql)), truncated: undefined }
        : await store.tableUpTo(compiled.sql, maxRows);
    const answer: Answer = {
      columns: compiled.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: table.rows.map((r) => r.map((v, i) => jsonValue(v, compiled.columns[i].type))),
      render: compiled.render,
      ...(table.truncated === undefined ? {} : { truncated: table.truncated }),
      error: null,
    };
    cache?.set(compiled.sql, maxRows, answer);
    return answer;
  } catch (err) {
    if (isTooDeep(err)) return failed(tooComplex(kql).message);
    return failed((err as Error).message);
  }
}

/** An answer's rows as objects keyed by column name. */
export function answerObjects(a: Answer): Record<string, unknown>[] {
  return a.rows.map((r) => Object.fromEntries(a.columns.map((c, i) => [c.name, r[i]])));
}
