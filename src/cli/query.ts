import { readFileSync } from 'node:fs';
import { compileKql, formatDiagnostic, KqlError } from '../kql/run.js';
import { openDuckDBStore } from '../store/duckdb/duckdb-store.js';
import { dbPath, UsageError, type Command } from './command.js';
import { parse } from './parse.js';
import { render, type OutputFormat } from './render.js';

export const queryCommand: Command = {
  name: 'query',
  summary: 'run a KQL query (a first subset of operators and functions)',
  help: `Usage: vnetflow query [--db FILE] [--format table|csv|json] [--now ISO] [--explain] (KQL | -f FILE)

Runs a KQL query over the vnetflow tables (NTANetAnalytics, NTAIpDetails, NTATopologyDetails,
Flows, FlowTuples, DNSQueryLogs, ThreatIntelIndicators, IngestErrors). Microsoft's own analyzer
checks it first; errors show the line, column and a caret. This first version runs table
references, where, extend, project, summarize (count, sum, min, max, avg; by columns and bin()),
sort/order, take/limit, distinct, count, join (inner, leftouter, leftsemi, leftanti) and render
(its chart type is shown beside the result), after scalar let statements, with ==, !=, <, >, and,
or, not(), contains, !contains, arithmetic, strlen, tolower, toupper, isempty, isnotempty, isnull,
isnotnull, tostring, strcat, iff, bin, ago, now and ipv4_is_in_range. Anything else is refused by
name with its position, never approximated. See docs/kql.md.

Options:
  --db FILE        database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  --format FORMAT  table (default), csv or json
  --now ISO        pin now() and ago() (e.g. 2026-11-23T14:00:00Z) for reproducible results
  --explain        print the SQL the query compiles to instead of running it
  -f FILE          read the query from FILE
  -h, --help       show this help

Examples:
  vnetflow query 'NTANetAnalytics | where SrcIp == "10.1.1.8" | summarize TotalBytes=sum(BytesSrcToDest) by DestIp'
  vnetflow query --explain 'FlowTuples | summarize count() by bin(TimeGenerated, 1h)'`,
  async run(argv) {
    const { values, positionals } = parse('query', argv, {
      db: { type: 'string' },
      format: { type: 'string' },
      now: { type: 'string' },
      explain: { type: 'boolean' },
      f: { type: 'string', short: 'f' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    const format = (values.format as string | undefined) ?? 'table';
    if (!['table', 'csv', 'json'].includes(format))
      throw new UsageError(`query: --format must be table, csv or json, got ${JSON.stringify(format)}`);
    const file = values.f as string | undefined;
    if ((file ? 1 : 0) + positionals.length !== 1)
      throw new UsageError('query: give one KQL query, quoted, or -f FILE (see vnetflow query --help)');
    const query = file ? readFileSync(file, 'utf8') : positionals[0];
    const now = values.now ? new Date(values.now as string) : new Date();
    if (Number.isNaN(now.getTime()))
      throw new UsageError(
        `query: --now must be an ISO time such as 2026-11-23T14:00:00Z, got ${JSON.stringify(values.now)}`,
      );
    let sql: string;
    let chart: string | null;
    try {
      ({ sql, render: chart } = compileKql(query, now));
    } catch (err) {
      if (!(err instanceof KqlError)) throw err;
      for (const d of err.diagnostics) console.error(formatDiagnostic(query, d));
      return 1;
    }
    if (values.explain) {
      console.log(sql);
      return 0;
    }
    const store = await openDuckDBStore({ path: dbPath(values.db as string | undefined) });
    try {
      const table = await store.table(sql);
      if (format === 'json' && chart)
        console.log(JSON.stringify({ render: chart, rows: JSON.parse(render(table, 'json')) }, null, 2));
      else {
        console.log(render(table, format as OutputFormat));
        if (chart && format === 'table') console.log(`(render ${chart})`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
