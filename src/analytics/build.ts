import { sqlString } from '../ingest/sql-literal.js';
import type { Store } from '../store/store.js';
import { FLOW_TUPLE_ROWS } from '../store/duckdb/flow-tuples-layout.js';
import { NTA_DIMS, NTA_ROWS } from '../store/duckdb/nta-layout.js';
import { buildFlows } from './flows.js';
import { classifyAddresses } from './ip-classes.js';
import { buildNetAnalytics } from './net-analytics.js';
import { refreshTopologyTables } from './topology-tables.js';

/** What one analytics build did. */
export interface AnalyticsSummary {
  readonly rebuiltFrom: string | null;
  readonly rebuiltTo: string | null;
  readonly full: boolean;
  readonly netAnalyticsRows: number;
  readonly flows: number;
  readonly addresses: number;
  readonly seconds: number;
}

export interface AnalyticsOptions {
  /** Processing interval in minutes, 60 (default) or 10, as Traffic Analytics offers. */
  readonly intervalMinutes?: number;
  /** Rebuild every interval, not only those new tuples fell into, and the topology tables. */
  readonly full?: boolean;
}

/**
 * Brings the Traffic Analytics tables and Flows up to date. Only the intervals new tuples fell
 * into (tuples of batches after the last build), and the connections of their 5-tuples, are rebuilt, unless the reference data (topology,
 * service tags, threat intel, DNS logs) or the interval changed since, which changes every row.
 * Rebuilding is idempotent: an interval's rows are deleted and written again in one transaction.
 */
export async function buildAnalytics(
  store: Store,
  options: AnalyticsOptions = {},
): Promise<AnalyticsSummary> {
  const started = performance.now();
  const minutes = options.intervalMinutes ?? 60;
  const setting = async (key: string): Promise<string | null> => {
    const [r] = await store.rows(`SELECT value FROM _settings WHERE key = ${sqlString(key)}`);
    return r ? String(r.value) : null;
  };
  // What the rows depend on besides the tuples; any change means every interval is rebuilt.
  const [state] = await store.rows(`SELECT concat_ws('|',
      coalesce((SELECT count(*) || ':' || max(LoadedAt) FROM _topology), ''),
      coalesce((SELECT count(*) || ':' || max(LoadedAt) FROM _service_tags), ''),
      coalesce((SELECT count(*) || ':' || max(ValidFrom) || ':' || max(ValidUntil) FROM ThreatIntelFeed), ''),
      (SELECT count(*) FROM DNSQueryLogs),
      coalesce((SELECT string_agg(value || '@' || updated_at, ',') FROM _settings WHERE key LIKE 'geo.%'), ''),
      ${minutes}) AS reference,
      (SELECT coalesce(max(IngestBatch), 0) FROM ${FLOW_TUPLE_ROWS}) AS batch`);
  const reference = String(state.reference ?? '');
  const lastBatch = Number((await setting('analytics.batch')) ?? -1);
  const full = options.full === true || (await setting('analytics.reference')) !== reference || lastBatch < 0;
  const [win] = await store.rows(
    `SELECT min(TimeGenerated)::VARCHAR AS lo, max(TimeGenerated)::VARCHAR AS hi FROM ${FLOW_TUPLE_ROWS}
     ${full ? '' : `WHERE IngestBatch > ${lastBatch}`}`,
  );
  // As in ingest: row order carries no meaning, and both threads may write.
  await store.run('SET preserve_insertion_order = false');
  try {
    // The topology tables depend on the topology alone: usually built already by the ingest that
    // loaded it; rebuilt here if it changed since they were built, and by --full.
    await refreshTopologyTables(store, options.full === true);
    let rows = 0;
    let flows = 0;
    let addresses = 0;
    let from: string | null = null;
    let to: string | null = null;
    if (win.lo !== null) {
      // Whole intervals: from the start of the first to the end of the last one touched.
      const [b] = await store.rows(
        `SELECT time_bucket(INTERVAL '${minutes} minutes', TIMESTAMP '${String(win.lo)}')::VARCHAR AS f,
           (time_bucket(INTERVAL '${minutes} minutes', TIMESTAMP '${String(win.hi)}') + INTERVAL '${minutes} minutes')::VARCHAR AS t`,
      );
      from = String(b.f);
      to = String(b.t);
      // Addresses straight from the tuple rows: the FlowTuples view would join its dimensions for nothing.
      await classifyAddresses(
        store,
        `SELECT DISTINCT SrcIp AS Ip FROM ${FLOW_TUPLE_ROWS} UNION SELECT DISTINCT DestIp FROM ${FLOW_TUPLE_ROWS}`,
      );
      addresses = Number((await store.rows('SELECT count(*) AS n FROM _ip_classes'))[0].n);
      if (full) {
        await store.run(`DELETE FROM ${NTA_ROWS}`);
        await store.run(`DELETE FROM ${NTA_DIMS}`);
        await store.run('DELETE FROM NTAIpDetails');
      }
      // Flows first: NTANetAnalytics is summed from its pieces (see flows-layout.ts).
      flows = await buildFlows(store, minutes, full ? null : lastBatch);
      rows = await buildNetAnalytics(store, from, to, minutes);
    }
    await store.run(
      `INSERT OR REPLACE INTO _settings VALUES ('analytics.batch', ${sqlString(String(state.batch))}, now()::TIMESTAMP),
         ('analytics.reference', ${sqlString(reference)}, now()::TIMESTAMP)`,
    );
    return {
      rebuiltFrom: from,
      rebuiltTo: to,
      full,
      netAnalyticsRows: rows,
      flows,
      addresses,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await store.run('RESET preserve_insertion_order').catch(() => undefined);
  }
}
