import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  compileKql,
  formatDiagnostic,
  isTooDeep,
  KqlError,
  position,
  tooComplex,
  type CompiledKql,
} from '../kql/run.js';
import { jsonValue, textValue } from '../kql/values.js';
import { openDuckDBStore } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/store.js';
import { dbPath, UsageError, type Command } from './command.js';
import { parse } from './parse.js';
import { render, type CellEncoder, type OutputFormat } from './render.js';

const FORMATS = ['table', 'csv', 'json', 'ndjson'];

export const queryCommand: Command = {
  name: 'query',
  summary: 'run KQL queries over the vnetflow tables',
  help: `Usage: vnetflow query [--db FILE] [--format table|csv|json|ndjson] [--now ISO] [--explain] (KQL | -f FILE)
       vnetflow query --jsonl [--db FILE] [--now ISO] < queries.jsonl

Runs KQL over the vnetflow tables (NTANetAnalytics, NTAIpDetails, NTATopologyDetails, Flows,
FlowTuples, DNSQueryLogs, ThreatIntelIndicators, IngestErrors, IpAddressSpellings, Alerts).
Microsoft's own analyzer checks the query first; errors show the line, the column and a caret.
Operators and functions not supported yet are refused by name with their position, never
approximated: docs/kql.md lists what runs and the semantics.

Values print as Kusto prints them: datetimes in ISO 8601 UTC (Z), timespans as [d.]hh:mm:ss[.fffffff].
In JSON, a long beyond 2^53 is a string, NaN and infinities are strings, dynamic values are JSON.

Batch mode (--jsonl) reads one query per line on stdin, {"id": ..., "kql": "...", "now": "ISO"?},
and writes one line per query: {"id", "columns": [{"name", "type"}], "rows": [[...]], "render",
"error"}. The exit code is 1 if any query failed (its line says why), else 0.

Options:
  --db FILE        database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  --format FORMAT  table (default), csv, json (an array of objects) or ndjson (an object per line)
  --now ISO        pin now() and ago() (e.g. 2026-11-23T14:00:00Z) for reproducible results
  --explain        print the SQL the query compiles to instead of running it
  --jsonl          batch mode: queries as JSON lines on stdin, results as JSON lines on stdout
  -f FILE          read the query from FILE
  -h, --help       show this help

Examples:
  vnetflow query 'NTANetAnalytics | where SrcIp == "10.1.1.8" | summarize TotalBytes=sum(BytesSrcToDest) by DestIp'
  vnetflow query --explain 'FlowTuples | summarize count() by bin(TimeGenerated, 1h)'
  echo '{"id": 1, "kql": "Flows | count"}' | vnetflow query --jsonl`,
  async run(argv) {
    const { values, positionals } = parse('query', argv, {
      db: { type: 'string' },
      format: { type: 'string' },
      now: { type: 'string' },
      explain: { type: 'boolean' },
      jsonl: { type: 'boolean' },
      f: { type: 'string', short: 'f' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    const format = (values.format as string | undefined) ?? 'table';
    if (!FORMATS.includes(format))
      throw new UsageError(`query: --format must be ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
    const now = nowOption(values.now as string | undefined);
    const db = dbPath(values.db as string | undefined);
    const file = values.f as string | undefined;
    if (values.jsonl) {
      if (file || positionals.length || values.explain || values.format)
        throw new UsageError(
          'query: --jsonl reads its queries from stdin; it takes no query, -f, --explain or --format',
        );
      return batch(db, now);
    }
    if ((file ? 1 : 0) + positionals.length !== 1)
      throw new UsageError('query: give one KQL query, quoted, or -f FILE (see vnetflow query --help)');
    const query = file ? readFileSync(file, 'utf8') : positionals[0];
    let compiled: CompiledKql;
    try {
      compiled = compileKql(query, now);
    } catch (err) {
      if (!(err instanceof KqlError)) throw err;
      for (const d of err.diagnostics) console.error(formatDiagnostic(query, d));
      return 1;
    }
    if (values.explain) {
      console.log(compiled.sql);
      return 0;
    }
    const store = await openDuckDBStore({ path: db, readOnly: true });
    try {
      const rows = (await store.table(compiled.sql)).rows;
      const result = { columns: compiled.columns, rows };
      const cells = kqlCells(compiled);
      const chart = compiled.render;
      if (format === 'json' && chart)
        console.log(
          JSON.stringify({ render: chart, rows: JSON.parse(render(result, 'json', cells)) }, null, 2),
        );
      else {
        const out = render(result, format as OutputFormat, cells);
        if (out) console.log(out);
        if (chart && format === 'table') console.log(`(render ${chart})`);
      }
      return 0;
    } catch (err) {
      console.error(`query: ${isTooDeep(err) ? tooComplex(query).message : (err as Error).message}`);
      return 1;
    } finally {
      store.close();
    }
  },
};

function nowOption(value: string | undefined): Date {
  const now = value !== undefined ? new Date(value) : new Date();
  if (Number.isNaN(now.getTime()))
    throw new UsageError(
      `query: --now must be an ISO time such as 2026-11-23T14:00:00Z, got ${JSON.stringify(value)}`,
    );
  return now;
}

/** Each column's values written as its Kusto type is. */
/** Cell encoders that print each column's values as Kusto does, for its type. */
export function kqlCells(c: CompiledKql): CellEncoder[] {
  return c.columns.map((col) => ({
    text: (v) => textValue(v, col.type),
    json: (v) => jsonValue(v, col.type),
  }));
}

/** One answer line of batch mode. */
interface Answer {
  id: unknown;
  columns: { name: string; type: string }[];
  rows: unknown[][];
  render: string | null;
  error: { message: string; diagnostics: { message: string; line: number; column: number }[] } | null;
}

/**
 * `--jsonl`: one process, one database session, a line of JSON out for every line in, in order.
 * A line that is not a query object is answered with an error too, never skipped.
 */
async function batch(db: string, defaultNow: Date): Promise<number> {
  const store = await openDuckDBStore({ path: db, readOnly: true });
  let failed = 0;
  try {
    let lineNo = 0;
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      lineNo++;
      if (!line.trim()) continue;
      const answer = await answerLine(store, line, lineNo, defaultNow);
      if (answer.error) failed++;
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    }
  } finally {
    store.close();
  }
  return failed ? 1 : 0;
}

async function answerLine(store: Store, line: string, lineNo: number, defaultNow: Date): Promise<Answer> {
  const answer: Answer = { id: null, columns: [], rows: [], render: null, error: null };
  const fail = (message: string, diagnostics: NonNullable<Answer['error']>['diagnostics'] = []): Answer => ({
    ...answer,
    error: { message, diagnostics },
  });
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (err) {
    return fail(`stdin line ${lineNo} is not JSON: ${(err as Error).message}`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return fail(`stdin line ${lineNo} is not an object like {"id": 1, "kql": "..."}`);
  const { id, kql, now } = input as { id?: unknown; kql?: unknown; now?: unknown };
  answer.id = id ?? null;
  if (typeof kql !== 'string') return fail(`stdin line ${lineNo} has no "kql" string`);
  const at = now === undefined ? defaultNow : new Date(String(now));
  if (Number.isNaN(at.getTime()))
    return fail(`stdin line ${lineNo}: "now" is not an ISO time: ${JSON.stringify(now)}`);
  let compiled: CompiledKql;
  try {
    compiled = compileKql(kql, at);
  } catch (err) {
    // Every line gets its answer line: an internal failure is this query's error, not the batch's.
    if (!(err instanceof KqlError)) return fail(`internal error: ${(err as Error)?.message ?? String(err)}`);
    return fail(
      err.message,
      err.diagnostics.map((d) => ({ message: d.message, ...position(kql, d.start) })),
    );
  }
  try {
    const rows = (await store.table(compiled.sql)).rows;
    return {
      ...answer,
      columns: compiled.columns.map((c) => ({ name: c.name, type: c.type })),
      rows: rows.map((r) => r.map((v, i) => jsonValue(v, compiled.columns[i].type))),
      render: compiled.render,
    };
  } catch (err) {
    if (isTooDeep(err)) return fail(tooComplex(kql).message);
    return fail((err as Error).message);
  }
}
