import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  compileKql,
  formatDiagnostic,
  isTooDeep,
  KqlError,
  tooComplex,
  type CompiledKql,
} from '../kql/run.js';
import { jsonValue, textValue } from '../kql/values.js';
import { answerKql, failed, type Answer as KqlAnswer } from '../kql/answer.js';
import type { Store, Value } from '../store/store.js';
import { readServerFile } from '../serve/server-file.js';
import { openForCommand } from './open-db.js';
import { jsonCells, RemoteServer } from './remote.js';
import { dbPath, UsageError, type Command } from './command.js';
import { durationOption, parse } from './parse.js';
import { render, type CellEncoder, type OutputFormat } from './render.js';

const FORMATS = ['table', 'csv', 'json', 'ndjson'];

export const queryCommand: Command = {
  name: 'query',
  summary: 'run KQL queries over the vnetflow tables',
  help: `Usage: vnetflow query [--db FILE] [--format table|csv|json|ndjson] [--now ISO] [--explain] (KQL | -f FILE)
       vnetflow query --jsonl [--db FILE] [--now ISO] < queries.jsonl

Runs KQL over the vnetflow tables (NTANetAnalytics, NTAIpDetails, NTATopologyDetails, Flows,
FlowTuples, DNSQueryLogs, ThreatIntelFeed, IngestErrors, IpAddressSpellings, Alerts) and the
Azure tables vnetflow derives from them: Sentinel's ThreatIntelIndicators (STIX) and
ThreatIntelligenceIndicator, and the legacy Traffic Analytics table AzureNetworkAnalytics_CL.
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
  --wait DURATION  when another vnetflow process is writing the database, wait this long for
                   it (default 10s); while vnetflow serve owns it, the query goes through the server
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
      wait: { type: 'string' },
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
    const waitMs = durationOption('query', 'wait', values.wait as string | undefined, 10_000);
    const file = values.f as string | undefined;
    if (values.jsonl) {
      if (file || positionals.length || values.explain || values.format)
        throw new UsageError(
          'query: --jsonl reads its queries from stdin; it takes no query, -f, --explain or --format',
        );
      return batch(db, now, waitMs);
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
    const server = readServerFile(db);
    if (server) return remoteQuery(new RemoteServer(server), query, now, format as OutputFormat);
    const store = await openForCommand('query', { path: db, readOnly: true }, waitMs);
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

/** A query answered by the server that owns the database, printed as a local one would be. */
async function remoteQuery(
  server: RemoteServer,
  query: string,
  now: Date,
  format: OutputFormat,
): Promise<number> {
  let answer: KqlAnswer;
  try {
    answer = await server.query(query, now);
  } catch (err) {
    console.error(`query: ${(err as Error).message}`);
    return 1;
  }
  if (answer.error) {
    for (const d of answer.error.diagnostics)
      console.error(`line ${d.line}, column ${d.column}: ${d.message}`);
    if (!answer.error.diagnostics.length) console.error(`query: ${answer.error.message}`);
    return 1;
  }
  const result = { columns: answer.columns, rows: answer.rows as Value[][] };
  const cells = jsonCells(answer.columns);
  if (format === 'json' && answer.render)
    console.log(
      JSON.stringify({ render: answer.render, rows: JSON.parse(render(result, 'json', cells)) }, null, 2),
    );
  else {
    const out = render(result, format, cells);
    if (out) console.log(out);
    if (answer.render && format === 'table') console.log(`(render ${answer.render})`);
  }
  if (answer.truncated)
    console.error(`query: the server cut the answer at ${answer.rows.length} rows (its maxRows)`);
  return 0;
}

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

/** One answer line of batch mode: the query's id and its answer. */
type Answer = { id: unknown } & KqlAnswer;

/**
 * `--jsonl`: one process, one database session, a line of JSON out for every line in, in order.
 * A line that is not a query object is answered with an error too, never skipped.
 */
async function batch(db: string, defaultNow: Date, waitMs: number): Promise<number> {
  const server = readServerFile(db);
  const remote = server ? new RemoteServer(server) : null;
  const store = remote ? null : await openForCommand('query', { path: db, readOnly: true }, waitMs);
  let failed = 0;
  try {
    let lineNo = 0;
    for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
      lineNo++;
      if (!line.trim()) continue;
      const answer = await answerLine(store, remote, line, lineNo, defaultNow);
      if (answer.error) failed++;
      process.stdout.write(`${JSON.stringify(answer)}\n`);
    }
  } finally {
    store?.close();
  }
  return failed ? 1 : 0;
}

async function answerLine(
  store: Store | null,
  remote: RemoteServer | null,
  line: string,
  lineNo: number,
  defaultNow: Date,
): Promise<Answer> {
  const fail = (message: string): Answer => ({ id: null, ...failed(message) });
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (err) {
    return fail(`stdin line ${lineNo} is not JSON: ${(err as Error).message}`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return fail(`stdin line ${lineNo} is not an object like {"id": 1, "kql": "..."}`);
  const { id, kql, now } = input as { id?: unknown; kql?: unknown; now?: unknown };
  if (typeof kql !== 'string') return { ...fail(`stdin line ${lineNo} has no "kql" string`), id: id ?? null };
  const at = now === undefined ? defaultNow : new Date(String(now));
  if (Number.isNaN(at.getTime()))
    return {
      ...fail(`stdin line ${lineNo}: "now" is not an ISO time: ${JSON.stringify(now)}`),
      id: id ?? null,
    };
  if (remote) {
    try {
      return { id: id ?? null, ...(await remote.query(kql, at)) };
    } catch (err) {
      return { ...fail((err as Error).message), id: id ?? null };
    }
  }
  return { id: id ?? null, ...(await answerKql(store!, kql, at)) };
}
