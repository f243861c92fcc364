import type { Store } from '../store.js';
import { FLOW_TUPLE_ROWS } from './flow-tuples-layout.js';

/**
 * Event rows and the time column that ages them. Reference tables (topology, service tags,
 * threat intel, DNS names) are replaced by their own files and stay; the ingest checkpoints stay
 * too, so a file whose tuples aged out is not read in again.
 */
const AGED: readonly { table: string; time: string }[] = [
  { table: FLOW_TUPLE_ROWS, time: 'TimeGenerated' },
  { table: '_flows', time: 'FlowEndTime' },
  { table: '_nta', time: 'FlowIntervalEndTime' },
  { table: 'DNSQueryLogs', time: 'TimeGenerated' },
  { table: 'IngestErrors', time: 'TimeGenerated' },
  { table: 'Alerts', time: 'EndTime' },
  { table: 'NTAIpDetails', time: 'TimeGenerated' },
];

/** What one retention pass deleted, by table. */
export type RetentionSummary = Record<string, number>;

/**
 * Deletes every event older than `before`, in one transaction, then checkpoints so DuckDB can
 * reuse (and at the end of the file, give back) the freed blocks.
 */
export async function applyRetention(store: Store, before: Date): Promise<RetentionSummary> {
  const cutoff = before.toISOString().replace('Z', '');
  const deleted: RetentionSummary = {};
  await store.transaction(async () => {
    for (const { table, time } of AGED)
      deleted[table] = await store.run(`DELETE FROM ${table} WHERE ${time} < $1::TIMESTAMP`, [cutoff]);
  });
  if (Object.values(deleted).some((n) => n > 0)) await store.run('CHECKPOINT');
  return deleted;
}
