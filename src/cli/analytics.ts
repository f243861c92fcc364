import { buildAnalytics, type AnalyticsSummary } from '../analytics/build.js';
import { openForCommand } from './open-db.js';
import { dbPath, UsageError, type Command } from './command.js';
import { parse } from './parse.js';

/** The interval argument: Traffic Analytics offers 10 and 60 minutes. */
export function intervalMinutes(value: unknown, command: string): number {
  const minutes = Number((value as string | undefined) ?? '60');
  if (minutes !== 10 && minutes !== 60)
    throw new UsageError(`${command}: --interval must be 10 or 60 (minutes), got ${JSON.stringify(value)}`);
  return minutes;
}

/** One line saying what a build did. */
export function formatAnalytics(a: AnalyticsSummary): string {
  if (a.rebuiltFrom === null) return `analytics up to date (${a.seconds.toFixed(2)} s)`;
  return (
    `analytics ${a.full ? 'rebuilt' : 'updated'} ${a.rebuiltFrom} .. ${a.rebuiltTo}: ` +
    `${a.netAnalyticsRows.toLocaleString('en-US')} NTANetAnalytics rows, ${a.flows.toLocaleString('en-US')} flows, ` +
    `${a.addresses.toLocaleString('en-US')} addresses in ${a.seconds.toFixed(2)} s`
  );
}

export const analyticsCommand: Command = {
  name: 'analytics',
  summary: 'bring NTANetAnalytics, NTAIpDetails, NTATopologyDetails and Flows up to date',
  help: `Usage: vnetflow analytics [--db FILE] [--interval 10|60] [--full] [--json]

Builds the Traffic Analytics tables (NTANetAnalytics, NTAIpDetails, NTATopologyDetails) and the
stitched Flows from the ingested flow tuples and reference data. Only the intervals that new
tuples fell into are rebuilt, unless the reference data (topology, service tags, threat intel,
DNS logs) or the interval changed, or --full is given. Ingest runs this by default.

Options:
  --db FILE       database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  --interval N    processing interval in minutes: 60 (default) or 10
  --full          rebuild every interval
  --json          print what was done as one JSON object
  -h, --help      show this help

Examples:
  vnetflow analytics
  vnetflow analytics --interval 10 --full
  vnetflow sql "SELECT FlowType, sum(BytesSrcToDest + BytesDestToSrc) FROM NTANetAnalytics GROUP BY ALL"`,
  async run(argv) {
    const { values, positionals } = parse('analytics', argv, {
      db: { type: 'string' },
      interval: { type: 'string' },
      full: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    if (positionals.length > 0)
      throw new UsageError(`analytics: unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
    const minutes = intervalMinutes(values.interval, 'analytics');
    // The same bound as ingest: peak RSS must not grow with the data (DuckDB spills instead).
    const store = await openForCommand('analytics', {
      path: dbPath(values.db as string | undefined),
      memoryLimit: '192MB',
    });
    try {
      const a = await buildAnalytics(store, { intervalMinutes: minutes, full: Boolean(values.full) });
      console.log(values.json ? JSON.stringify(a) : formatAnalytics(a));
      return 0;
    } finally {
      store.close();
    }
  },
};
