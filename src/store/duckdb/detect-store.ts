import { alerts } from '../../schema/alerts.js';
import { ident } from '../../schema/tables.js';
import type { Row, SqlParam, Store } from '../store.js';

/**
 * The SQL of scheduled detection (src/detect/ keeps orchestration only). A detection session reads
 * event tables through windowed sources: each is the table filtered to the current window, which
 * lives in two session variables, and with allow-listed addresses and ports left out. DuckDB folds
 * getvariable() to a constant when it binds a query, so the window reaches the scan as a zonemap
 * filter, and one compiled rule runs over every window by changing the variables.
 */

/** How an event table is scoped: its time column, the address columns and the port column allow-lists apply to. */
export interface EventTable {
  readonly name: string;
  readonly time: string;
  readonly ips: readonly string[];
  /** Addresses that are not a column of their own: SQL expressions over the row. */
  readonly extraIps?: readonly string[];
  readonly port?: string;
}

/** The tables rules read as events; reference tables (threat intel, topology, NTAIpDetails) are read whole. */
export const EVENT_TABLES: readonly EventTable[] = [
  { name: 'FlowTuples', time: 'TimeGenerated', ips: ['SrcIp', 'DestIp'], port: 'DestPort' },
  // Its TimeGenerated is the end of the processing interval: a run reads the intervals that start
  // in its window, so the hour 06:00-07:00 belongs to the run that ends at 07:00.
  { name: 'NTANetAnalytics', time: 'FlowIntervalStartTime', ips: ['SrcIp', 'DestIp'], port: 'DestPort' },
  { name: 'Flows', time: 'FlowStartTime', ips: ['SrcIp', 'DestIp'], port: 'DestPort' },
  { name: 'DNSQueryLogs', time: 'TimeGenerated', ips: ['SourceIpAddress'] },
  // The legacy view of NTANetAnalytics: its public address is only in PublicIPs_s (first entry).
  {
    name: 'AzureNetworkAnalytics_CL',
    time: 'FlowIntervalStartTime_t',
    ips: ['SrcIP_s', 'DestIP_s', 'VMIP_s'],
    extraIps: [`split_part(split_part(${ident('PublicIPs_s')}, ' ', 1), '|', 1)`],
    port: 'DestPort_d',
  },
];

const FROM = "getvariable('vnetflow_window_from')";
const TO = "getvariable('vnetflow_window_to')";

/** SQL for now() inside a scheduled run: the end of its window. */
export const WINDOW_NOW = TO;

/**
 * SQL reading one event table within the current window, without rows whose addresses are in the
 * temporary table `allowTable` (when given) or whose port is in `ports`. A NULL address or port is
 * never allowed away.
 */
export function windowedSource(t: EventTable, allowTable: string | null, ports: readonly number[]): string {
  const time = ident(t.time);
  const conditions = [`${time} >= ${FROM}`, `${time} < ${TO}`];
  if (allowTable)
    for (const ip of [...t.ips.map(ident), ...(t.extraIps ?? [])])
      conditions.push(`NOT coalesce(${ip} IN (SELECT ip FROM ${ident(allowTable)}), false)`);
  if (t.port && ports.length)
    conditions.push(
      `NOT coalesce(${ident(t.port)} IN (${ports.map((p) => Math.trunc(p)).join(', ')}), false)`,
    );
  return `(SELECT * FROM ${ident(t.name)} WHERE ${conditions.join(' AND ')})`;
}

/** Points the session's windowed sources at [from, to). */
export async function setWindow(store: Store, from: Date, to: Date): Promise<void> {
  const ts = (d: Date): string => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;
  // One round trip: detection sets the window a few hundred times a run.
  await store.run(
    `SET VARIABLE vnetflow_window_from = ${ts(from)}; SET VARIABLE vnetflow_window_to = ${ts(to)}`,
  );
}

/**
 * The hours that hold any flow tuple or DNS lookup (since `since`, when given), as the epoch ms of
 * their starts in order, with the first and last event time: where detection has anything to
 * read (one pass each).
 */
export async function eventHours(
  store: Store,
  since: Date | null,
): Promise<{ hours: number[]; first: Date; last: Date } | null> {
  const parts = EVENT_TABLES.filter((t) => t.name === 'FlowTuples' || t.name === 'DNSQueryLogs').map(
    (t) =>
      `SELECT date_trunc('hour', ${ident(t.time)}) AS h, min(${ident(t.time)}) AS a, max(${ident(t.time)}) AS b FROM ${ident(t.name)}
       WHERE $1::TIMESTAMP IS NULL OR ${ident(t.time)} >= $1::TIMESTAMP GROUP BY 1`,
  );
  const rows = await store.rows(
    `SELECT epoch_ms(h) AS h, epoch_ms(min(a)) AS a, epoch_ms(max(b)) AS b FROM (${parts.join(' UNION ALL ')}) WHERE h IS NOT NULL GROUP BY h ORDER BY h`,
    [since?.toISOString() ?? null],
  );
  if (rows.length === 0) return null;
  return {
    hours: rows.map((r) => Number(r.h)),
    first: new Date(Number(rows[0].a)),
    last: new Date(Number(rows[rows.length - 1].b)),
  };
}

/** Every address the event tables hold in [from, to), for matching allow-lists against. */
export async function eventAddresses(store: Store, from: Date, to: Date): Promise<string[]> {
  const parts = EVENT_TABLES.filter((t) => t.name === 'FlowTuples' || t.name === 'DNSQueryLogs').flatMap(
    (t) =>
      t.ips.map(
        (ip) =>
          `SELECT DISTINCT ${ident(ip)} AS ip FROM ${ident(t.name)} WHERE ${ident(t.time)} >= $1 AND ${ident(t.time)} < $2`,
      ),
  );
  const rows = await store.rows(
    `SELECT DISTINCT ip FROM (${parts.join(' UNION ALL ')}) WHERE ip IS NOT NULL AND ip <> ''`,
    [from.toISOString(), to.toISOString()],
  );
  return rows.map((r) => String(r.ip));
}

/** The IPv4 ranges of the loaded service tags. */
export async function serviceTagRanges(
  store: Store,
): Promise<{ name: string; start: number; end: number }[]> {
  const rows = await store.rows(
    'SELECT Name, RangeStart::DOUBLE AS s, RangeEnd::DOUBLE AS e FROM _service_tags WHERE RangeStart IS NOT NULL',
  );
  return rows.map((r) => ({ name: String(r.Name), start: Number(r.s), end: Number(r.e) }));
}

/** (Re)creates a session's temporary table of allow-listed addresses. */
export async function loadAllowTable(store: Store, name: string, ips: readonly string[]): Promise<void> {
  // An empty list cannot be bound (DuckDB cannot type it): create the table empty instead.
  if (ips.length === 0) await store.run(`CREATE OR REPLACE TEMP TABLE ${ident(name)} (ip VARCHAR)`);
  else
    await store.run(`CREATE OR REPLACE TEMP TABLE ${ident(name)} AS SELECT unnest($1::VARCHAR[]) AS ip`, [
      ips,
    ]);
}

/**
 * How many flow tuples the default evidence query of an alert returns (src/detect/evidence.ts):
 * the same filter, with the lists bound as parameters, so that counting needs no KQL compile.
 */
export async function countFlowEvidence(
  store: Store,
  e: {
    start: Date;
    end: Date;
    srcIps: readonly string[];
    destIps: readonly string[];
    destPorts: readonly number[];
  },
): Promise<number> {
  // Lists go as JSON text: DuckDB cannot type an empty list parameter.
  const list = (p: string, type: string): string => `from_json(${p}, '["${type}"]')`;
  const [r] = await store.rows(
    `SELECT count(*) AS n FROM FlowTuples WHERE TimeGenerated BETWEEN $1::TIMESTAMP AND $2::TIMESTAMP
       AND (len(${list('$3', 'VARCHAR')}) = 0 OR SrcIp IN (SELECT unnest(${list('$3', 'VARCHAR')})))
       AND (len(${list('$4', 'VARCHAR')}) = 0 OR DestIp IN (SELECT unnest(${list('$4', 'VARCHAR')})))
       AND (len(${list('$5', 'INTEGER')}) = 0 OR DestPort IN (SELECT unnest(${list('$5', 'INTEGER')})))`,
    [
      e.start.toISOString(),
      e.end.toISOString(),
      JSON.stringify(e.srcIps),
      JSON.stringify(e.destIps),
      JSON.stringify(e.destPorts),
    ],
  );
  return Number(r.n);
}

/** How many DNS lookups the default DNS evidence query of an alert returns (src/detect/evidence.ts). */
export async function countDnsEvidence(
  store: Store,
  e: { start: Date; end: Date; srcIps: readonly string[] },
): Promise<number> {
  const [r] = await store.rows(
    `SELECT count(*) AS n FROM DNSQueryLogs WHERE TimeGenerated BETWEEN $1::TIMESTAMP AND $2::TIMESTAMP
       AND (len(from_json($3, '["VARCHAR"]')) = 0 OR SourceIpAddress IN (SELECT unnest(from_json($3, '["VARCHAR"]'))))`,
    [e.start.toISOString(), e.end.toISOString(), JSON.stringify(e.srcIps)],
  );
  return Number(r.n);
}

/** Per rule, the end of the last window detection ran. */
export async function detectCheckpoints(store: Store): Promise<Map<string, Date>> {
  await ensureCheckpoints(store);
  const rows = await store.rows(
    'SELECT rule_id, epoch_ms(last_window_end) AS t FROM _vnetflow_detect_checkpoints',
  );
  return new Map(rows.map((r) => [String(r.rule_id), new Date(Number(r.t))]));
}

/** Records that a rule ran up to `end`. */
export async function saveDetectCheckpoint(store: Store, ruleId: string, end: Date): Promise<void> {
  await ensureCheckpoints(store);
  await store.run(
    `INSERT OR REPLACE INTO _vnetflow_detect_checkpoints VALUES ($1, $2::TIMESTAMP, now()::TIMESTAMP)`,
    [ruleId, end.toISOString()],
  );
}

async function ensureCheckpoints(store: Store): Promise<void> {
  await store.run(
    'CREATE TABLE IF NOT EXISTS _vnetflow_detect_checkpoints (rule_id VARCHAR PRIMARY KEY, last_window_end TIMESTAMP, updated_at TIMESTAMP)',
  );
}

/** Forgets every alert and where each rule stopped, so the next run starts over. */
export async function resetDetection(store: Store): Promise<number> {
  await ensureCheckpoints(store);
  return store.transaction(async () => {
    const n = await store.run('DELETE FROM Alerts');
    await store.run('DELETE FROM _vnetflow_detect_checkpoints');
    return n;
  });
}

/** The last time (TimeGenerated) each entity key of a rule alerted, for suppression. */
export async function lastAlerts(store: Store, ruleId: string): Promise<Map<string, Date>> {
  const rows = await store.rows(
    'SELECT EntityKey, epoch_ms(max(TimeGenerated)) AS t FROM Alerts WHERE RuleId = $1 GROUP BY EntityKey',
    [ruleId],
  );
  return new Map(rows.map((r) => [String(r.EntityKey), new Date(Number(r.t))]));
}

/** Which of these alert ids are stored already. */
export async function storedAlertIds(store: Store, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await store.rows(
    'SELECT AlertId FROM Alerts WHERE AlertId IN (SELECT unnest($1::VARCHAR[]))',
    [ids],
  );
  return new Set(rows.map((r) => String(r.AlertId)));
}

/** One alert row, keyed by the Alerts columns; JSON columns as JSON text, times as ISO text. */
export type AlertRow = Record<string, SqlParam>;

/** Appends alerts (JSON columns as JSON text). */
export async function insertAlerts(store: Store, rows: readonly AlertRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = alerts.columns.map((c) => c.name);
  // Seq comes from the sequence; every other column from a parameter, in column order.
  const bound = columns.filter((c) => c !== 'Seq');
  const values = columns.map((name, i) => {
    if (name === 'Seq') return "nextval('_vnetflow_alert_seq')";
    const n = bound.indexOf(name) + 1;
    const type = alerts.columns[i].type;
    return type === 'JSON' ? `$${n}::JSON` : type === 'TIMESTAMP' ? `$${n}::TIMESTAMP` : `$${n}`;
  });
  const sql = `INSERT INTO Alerts (${columns.map(ident).join(', ')}) VALUES (${values.join(', ')})`;
  await store.transaction(async () => {
    for (const r of rows)
      await store.run(
        sql,
        bound.map((c) => r[c] ?? null),
      );
  });
}

/**
 * Alerts overlapping [from, to) as plain objects, oldest run first: the public columns, times as
 * ISO 8601 UTC text, dynamic columns as the arrays and objects they hold.
 */
export async function readAlerts(store: Store, from: Date | null, to: Date | null): Promise<Row[]> {
  const pub = alerts.columns.filter((c) => !c.internal);
  const cols = pub
    .map((c) =>
      c.type === 'TIMESTAMP'
        ? `strftime(${ident(c.name)}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${ident(c.name)}`
        : c.type === 'JSON'
          ? `${ident(c.name)}::VARCHAR AS ${ident(c.name)}`
          : ident(c.name),
    )
    .join(', ');
  const rows = await store.rows(
    `SELECT ${cols} FROM Alerts WHERE ($1::TIMESTAMP IS NULL OR EndTime >= $1::TIMESTAMP) AND ($2::TIMESTAMP IS NULL OR StartTime < $2::TIMESTAMP)
     ORDER BY TimeGenerated, RuleId, AlertId`,
    [from?.toISOString() ?? null, to?.toISOString() ?? null],
  );
  for (const r of rows)
    for (const c of pub)
      if (c.type === 'JSON' && typeof r[c.name] === 'string')
        r[c.name] = JSON.parse(r[c.name] as string) as Row[string];
  return rows;
}
