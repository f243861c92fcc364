import { openForCommand } from './open-db.js';
import { dbPath, UsageError, type Command } from './command.js';
import { parse } from './parse.js';
import { render, type OutputFormat } from './render.js';

export const sqlCommand: Command = {
  name: 'sql',
  summary: 'run DuckDB SQL over the database (local power-user tool)',
  help: `Usage: vnetflow sql [--db FILE] [--format table|csv|json] SQL

Runs DuckDB SQL over the vnetflow database and prints the result. This is a local tool for
power users and scripts; it is never exposed over a network. The database is opened read-only,
so several can run at once (not while an ingest writes it), and a missing file is an error.

Tables: FlowTuples (one row per flow tuple), IngestErrors (rejected input, with where and why),
NTANetAnalytics, NTAIpDetails, NTATopologyDetails, Flows, DNSQueryLogs, ThreatIntelFeed, and the
views ThreatIntelIndicators, ThreatIntelligenceIndicator and AzureNetworkAnalytics_CL.

Options:
  --db FILE        database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  --format FORMAT  table (default), csv or json
  -h, --help       show this help

Examples:
  vnetflow sql "SELECT FlowStatus, count(*) FROM FlowTuples GROUP BY ALL"
  vnetflow sql --format csv "SELECT * FROM FlowTuples WHERE DestPort = 22 LIMIT 100" > ssh.csv`,
  async run(argv) {
    const { values, positionals } = parse('sql', argv, {
      db: { type: 'string' },
      format: { type: 'string' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    const format = (values.format as string | undefined) ?? 'table';
    if (!['table', 'csv', 'json'].includes(format))
      throw new UsageError(`sql: --format must be table, csv or json, got ${JSON.stringify(format)}`);
    if (positionals.length !== 1)
      throw new UsageError('sql: give exactly one SQL statement, quoted (see vnetflow sql --help)');
    const store = await openForCommand('sql', {
      path: dbPath(values.db as string | undefined),
      readOnly: true,
    });
    try {
      console.log(render(await store.table(positionals[0]), format as OutputFormat));
      return 0;
    } catch (err) {
      console.error(`sql: ${(err as Error).message}`);
      return 1;
    } finally {
      store.close();
    }
  },
};
