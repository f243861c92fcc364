import { sqlString } from '../ingest/sql-literal.js';
import type { Store } from '../store/store.js';
import { buildTopologyDetails } from './topology-details.js';
import { buildTopologyIndex } from './topology-index.js';

/** The loaded topology's state: any load or replacement of a topology file changes it. */
const TOPOLOGY_STATE_SQL = `SELECT coalesce((SELECT count(*) || ':' || max(LoadedAt) FROM _topology), '') AS state`;
const BUILT_KEY = 'topology.built';

/**
 * Brings the tables derived from the topology alone (the lookup tables `_lk_ips` and `_lk_ranges`,
 * NTATopologyDetails) up to date: rebuilt when the topology changed since they were last built, or
 * when `force`. Ingest calls it after loading topology files, so an analytics build after new flow
 * logs, or a full one after other reference data changed, does not redo them (about 40 ms and a
 * share of the next checkpoint). Returns whether they were rebuilt.
 */
export async function refreshTopologyTables(store: Store, force = false): Promise<boolean> {
  const [{ state }] = await store.rows(TOPOLOGY_STATE_SQL);
  const [built] = await store.rows(`SELECT value FROM _settings WHERE key = ${sqlString(BUILT_KEY)}`);
  if (!force && built !== undefined && String(built.value) === String(state)) return false;
  await buildTopologyIndex(store);
  await buildTopologyDetails(store);
  await store.run(
    `INSERT OR REPLACE INTO _settings VALUES (${sqlString(BUILT_KEY)}, ${sqlString(String(state))}, now()::TIMESTAMP)`,
  );
  return true;
}
