import type { KqlType } from '../../kql/ir.js';
import { MemoryKqlCache } from '../../kql/kql-cache.js';
import type { Store } from '../store.js';

/**
 * Where compiled queries are kept between runs (src/kql/kql-cache.ts): a table beside the data,
 * as the database is what every process of one vnetflow shares. Entries older than 30 days go
 * (a rule still in use is compiled again, once).
 */
const TABLE = '_vnetflow_kql_cache';

async function ensure(store: Store): Promise<void> {
  await store.run(
    `CREATE TABLE IF NOT EXISTS ${TABLE} (key VARCHAR PRIMARY KEY, sql VARCHAR, columns JSON, render VARCHAR, used_at TIMESTAMP)`,
  );
}

/** The cache as stored; a read-only database gives an empty one. */
export async function readKqlCache(store: Store): Promise<MemoryKqlCache> {
  try {
    await ensure(store);
    const rows = await store.rows(`SELECT key, sql, columns::VARCHAR AS columns, render FROM ${TABLE}`);
    return new MemoryKqlCache(
      new Map(
        rows.map((r) => [
          String(r.key),
          {
            sql: String(r.sql),
            columns: JSON.parse(String(r.columns)) as { name: string; type: KqlType }[],
            render: r.render === null ? null : String(r.render),
          },
        ]),
      ),
    );
  } catch {
    // A read-only database (another process writes it): compile as if nothing were cached.
    return new MemoryKqlCache();
  }
}

/** Saves what was compiled in this run and forgets entries older than 30 days. */
export async function saveKqlCache(store: Store, cache: MemoryKqlCache): Promise<void> {
  if (cache.added.size === 0) return;
  await ensure(store);
  await store.transaction(async () => {
    for (const [key, c] of cache.added)
      await store.run(`INSERT OR REPLACE INTO ${TABLE} VALUES ($1, $2, $3::JSON, $4, now()::TIMESTAMP)`, [
        key,
        c.sql,
        JSON.stringify(c.columns),
        c.render,
      ]);
    await store.run(`DELETE FROM ${TABLE} WHERE used_at < now()::TIMESTAMP - INTERVAL 30 DAY`);
  });
  cache.added.clear();
}
