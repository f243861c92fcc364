import { detect, type DetectSummary } from '../detect/detect.js';
import { evaluate, formatEvaluation, readGroundTruth } from '../detect/evaluate.js';
import { checkRules, readRuleFiles, RulesDirError, type RuleFiles } from '../detect/load-rules.js';
import { readKqlCache, saveKqlCache } from '../store/duckdb/kql-cache-store.js';
import { openForCommand } from './open-db.js';
import { readAlerts, resetDetection } from '../store/duckdb/detect-store.js';
import { publicColumns } from '../schema/tables.js';
import { alerts } from '../schema/alerts.js';
import { buildAnalytics } from '../analytics/build.js';
import { formatAnalytics } from './analytics.js';
import { dbPath, UsageError, type Command } from './command.js';
import { durationOption, isoOption, parse } from './parse.js';
import { readServerFile } from '../serve/server-file.js';
import { RemoteServer } from './remote.js';
import type { Value } from '../store/store.js';
import { render, type OutputFormat } from './render.js';

const FORMATS = ['table', 'json', 'ndjson'];

export const detectCommand: Command = {
  name: 'detect',
  summary: 'run detection rules over the flows and store the alerts they raise',
  help: `Usage: vnetflow detect [--db FILE] [--rules DIR]... [--no-builtin] [--from ISO] [--to ISO]
                       [--format table|json|ndjson] [--evaluate GROUND_TRUTH.json] [--check] [--reset]

Runs the enabled detection rules as Microsoft Sentinel schedules its analytics rules: every
queryFrequency, over the last queryPeriod, across the time range of the data (or --from/--to).
New alerts go to the Alerts table, each with the KQL that returns its evidence; running again adds
nothing new. Rules are YAML files in the shape of Sentinel scheduled rules (docs/detect.md); the
built-in ones ship with vnetflow, a user rule with the same id replaces one. An allow-list.yaml in
a rules directory adds addresses, CIDRs, service tags and ports no rule alerts on.

Options:
  --db FILE          database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  --rules DIR        a directory of rule files (repeatable; read recursively)
  --no-builtin       leave out the built-in rules (and their allow-list)
  --from ISO         run the windows that end after this time (default: where the last run
                     stopped, else the first event); runs them again if they ran before
  --to ISO           run the windows up to the one holding this time (default: the last event)
  --format FORMAT    how to print the alerts of the range: table (default), json (an array of
                     objects with the Alerts columns) or ndjson
  --evaluate FILE    score the alerts against a ground-truth file (vnetflow generate writes
                     one): per scenario found or missed, per rule, recall and precision
  --no-analytics     do not bring the Traffic Analytics tables up to date first (rules that
                     read NTANetAnalytics then see what the last build left)
  --check            only load and check the rules; print their problems
  --wait DURATION    when another vnetflow process writes the database, wait this long for
                     it (default 10s). While vnetflow serve owns it, detect runs there, with
                     the server's rules
  --reset            delete every stored alert first and run all windows again (after
                     changing a rule or an allow-list)
  -h, --help         show this help

Exit code: 0, or 1 when a rule file has a problem or a rule failed (the others still ran).

Examples:
  vnetflow detect
  vnetflow detect --rules ./my-rules --format json > alerts.json
  vnetflow detect --reset --evaluate ./env/ground-truth.json
  vnetflow query 'Alerts | project RuleName, SrcIps, DestIps, Evidence'`,
  async run(argv) {
    const { values, positionals } = parse('detect', argv, {
      db: { type: 'string' },
      rules: { type: 'string', multiple: true },
      'no-builtin': { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string' },
      evaluate: { type: 'string' },
      check: { type: 'boolean' },
      reset: { type: 'boolean' },
      'no-analytics': { type: 'boolean' },
      wait: { type: 'string' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    if (positionals.length > 0)
      throw new UsageError(`detect: unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
    const format = (values.format as string | undefined) ?? 'table';
    if (!FORMATS.includes(format))
      throw new UsageError(
        `detect: --format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(format)}`,
      );
    const from = isoOption('detect', 'from', values.from as string | undefined);
    const to = isoOption('detect', 'to', values.to as string | undefined);
    const truth = values.evaluate ? readGroundTruth(values.evaluate as string) : null;
    let files: RuleFiles;
    try {
      files = readRuleFiles((values.rules as string[] | undefined) ?? [], !values['no-builtin']);
    } catch (err) {
      if (err instanceof RulesDirError) throw new UsageError(`detect: ${err.message}`);
      throw err;
    }
    if (values.check) {
      const set = checkRules(files);
      for (const p of set.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
      console.log(`${set.rules.length} rules loaded, ${set.problems.length} problems`);
      return set.problems.length ? 1 : 0;
    }
    const db = dbPath(values.db as string | undefined);
    const server = readServerFile(db);
    if (server) {
      const local = (['rules', 'no-builtin', 'evaluate', 'no-analytics'] as const).filter(
        (k) => values[k] !== undefined,
      );
      if (local.length)
        throw new UsageError(
          `detect: vnetflow serve (PID ${server.pid}) owns ${db} and runs its own rules; --${local[0]} needs the database to itself (stop the server, or set rules in its config)`,
        );
      return remoteDetect(new RemoteServer(server), from, to, Boolean(values.reset), format);
    }
    const waitMs = durationOption('detect', 'wait', values.wait as string | undefined, 10_000);
    const store = await openForCommand('detect', { path: db, memoryLimit: '512MB' }, waitMs);
    try {
      const cache = await readKqlCache(store);
      const set = checkRules(files, cache);
      for (const p of set.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
      // Some rules read NTANetAnalytics: bring it up to date first (nothing to do after an ingest).
      if (!values['no-analytics']) {
        const a = await buildAnalytics(store);
        if (a.rebuiltFrom !== null) console.error(formatAnalytics(a));
      }
      if (values.reset) console.error(`detect: removed ${await resetDetection(store)} stored alerts`);
      const summary = await detect(store, set, { ...(from ? { from } : {}), ...(to ? { to } : {}) });
      await saveKqlCache(store, cache);
      const machine = format !== 'table';
      (machine ? console.error : console.log)(formatDetect(summary));
      const rows = await readAlerts(store, truth ? null : (from ?? null), truth ? null : (to ?? null));
      if (truth) console.log(formatEvaluation(evaluate(truth, rows, set.rules)));
      else {
        const columns = publicColumns(alerts).map((name) => ({ name }));
        const shown = machine ? columns : columns.filter((c) => TABLE_COLUMNS.includes(c.name));
        const table = { columns: shown, rows: rows.map((r) => shown.map((c) => r[c.name] ?? null)) };
        if (rows.length || machine) console.log(render(table, format as OutputFormat));
      }
      return set.problems.length || summary.rules.some((r) => r.error) ? 1 : 0;
    } finally {
      store.close();
    }
  },
};

const TABLE_COLUMNS = [
  'StartTime',
  'RuleName',
  'Severity',
  'SrcIps',
  'DestIps',
  'DestPorts',
  'EvidenceCount',
];

/** Detection run by the server that owns the database; its alerts printed as a local run would. */
async function remoteDetect(
  server: RemoteServer,
  from: Date | undefined,
  to: Date | undefined,
  reset: boolean,
  format: string,
): Promise<number> {
  const summary = await server.call<DetectSummary>('POST', '/api/detect', {
    ...(from ? { from: from.toISOString() } : {}),
    ...(to ? { to: to.toISOString() } : {}),
    reset,
  });
  const machine = format !== 'table';
  (machine ? console.error : console.log)(formatDetect(summary));
  const query = new URLSearchParams({
    ...(from ? { from: from.toISOString() } : {}),
    ...(to ? { to: to.toISOString() } : {}),
    limit: '1000000',
  });
  const { alerts: rows } = await server.call<{ alerts: Record<string, Value>[] }>(
    'GET',
    `/api/alerts?${query}`,
  );
  const columns = (machine ? publicColumns(alerts) : TABLE_COLUMNS).map((name) => ({ name }));
  const table = { columns, rows: rows.map((r) => columns.map((c) => r[c.name] ?? null)) };
  if (rows.length || machine) console.log(render(table, format as OutputFormat));
  return summary.rules.some((r) => r.error) ? 1 : 0;
}

/** What a detection run did, a line per rule. */
export function formatDetect(s: DetectSummary): string {
  if (s.from === null) return 'detect: no events in the database (or no enabled rules): nothing to do';
  const lines = s.rules.map((r) => {
    const what = r.error
      ? `FAILED: ${r.error}`
      : `${r.windows} windows, ${r.raised} new alerts` +
        (r.suppressed ? `, ${r.suppressed} suppressed` : '') +
        (r.existing ? `, ${r.existing} already stored` : '');
    return `  ${r.ruleId.padEnd(34)} ${what} (${r.seconds.toFixed(2)} s)`;
  });
  return [`detect ${s.from} .. ${s.to}: ${s.raised} new alerts in ${s.seconds.toFixed(2)} s`, ...lines].join(
    '\n',
  );
}
