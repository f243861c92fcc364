import {
  EXPORT_FORMATS,
  EXPORT_TABLES,
  ExportError,
  exportEvents,
  type ExportFormat,
  type ExportTable,
} from '../export/export.js';
import { openForCommand } from './open-db.js';
import { dbPath, UsageError, type Command } from './command.js';
import { isoOption, parse } from './parse.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write flow tuples, flows, Traffic Analytics rows or alerts as ECS, OCSF or raw records (NDJSON)',
  help: `Usage: vnetflow export --format ecs|ocsf|raw [--table TABLE] [--from ISO] [--to ISO]
                       [--out FILE|-] [--gzip] [--db FILE]

Writes one JSON event per line, built in the database in one pass:
  ecs   Elastic Common Schema 8.11: flow tuples as network events (source, destination, network
        with community_id, rule, observer, cloud, related.ip, geo and as where enrichment has
        them), connections (Flows) with event.start/end/duration, Traffic Analytics rows with
        their flow counts, alerts as event.kind alert with rule and threat (MITRE ATT&CK)
  ocsf  OCSF 1.2: flow tuples and connections as Network Activity (class 4001: B Open, E Close,
        C Traffic, D Refuse), Traffic Analytics rows as its Traffic activity with the flow
        count, alerts as Detection Finding (class 2004)
  raw   flow tuples as the FlowLogFlowEvent records Azure writes (flow log version 4), one record
        per line, as intakes that take Azure's own format expect (flow tuples only)

Options:
  --format F     ecs, ocsf or raw (required)
  --table T      FlowTuples (default), Flows, NTANetAnalytics or Alerts (as vnetflow analytics
                 and detect last left them)
  --from ISO     from this time on (flow tuples: the tuple's time; raw: the record's; Flows:
                 the connection's start; NTANetAnalytics: the interval's end; alerts: the end
                 of the window that raised them)
  --to ISO       before this time
  --out FILE     where to write (default -, standard output); an existing file is replaced
  --gzip         compress (gzip) what is written
  --db FILE      database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  -h, --help     show this help

Examples:
  vnetflow export --format ecs --out flows.ndjson
  vnetflow export --format ocsf --table Alerts --from 2026-11-23T00:00:00Z | head -1
  vnetflow export --format raw --gzip --out records.ndjson.gz`,
  async run(argv) {
    const { values, positionals } = parse('export', argv, {
      format: { type: 'string' },
      table: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      gzip: { type: 'boolean' },
      db: { type: 'string' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    if (positionals.length > 0)
      throw new UsageError(`export: unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
    const format = values.format as string | undefined;
    if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format))
      throw new UsageError(
        `export: --format must be one of ${EXPORT_FORMATS.join(', ')}${format ? `, got ${JSON.stringify(format)}` : ''}`,
      );
    const table = (values.table as string | undefined) ?? 'FlowTuples';
    if (!(EXPORT_TABLES as readonly string[]).includes(table))
      throw new UsageError(
        `export: --table must be one of ${EXPORT_TABLES.join(', ')}, got ${JSON.stringify(table)}`,
      );
    const time = (name: 'from' | 'to'): Date | null =>
      isoOption('export', name, values[name] as string | undefined) ?? null;
    const out = (values.out as string | undefined) ?? '-';
    const store = await openForCommand('export', {
      path: dbPath(values.db as string | undefined),
      memoryLimit: '512MB',
      readOnly: true,
    });
    try {
      const s = await exportEvents(store, {
        format: format as ExportFormat,
        table: table as ExportTable,
        from: time('from'),
        to: time('to'),
        out,
        gzip: Boolean(values.gzip),
      });
      const rate = s.seconds > 0 ? Math.round(s.events / s.seconds).toLocaleString('en-US') : '-';
      const what = format === 'raw' ? 'records' : 'events';
      console.error(
        `exported ${s.events.toLocaleString('en-US')} ${what} from ${table} as ${format} to ${out === '-' ? 'standard output' : out} in ${s.seconds.toFixed(2)} s (${rate} ${what}/s)`,
      );
      return 0;
    } catch (err) {
      if (err instanceof ExportError) throw new UsageError(err.message);
      throw err;
    } finally {
      store.close();
    }
  },
};
