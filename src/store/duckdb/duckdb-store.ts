import { existsSync } from 'node:fs';
import { DuckDBInstance, listValue, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { flowTuples } from '../../schema/flow-tuples.js';
import { addMissingColumnsSql, createTableSql, ident, tables } from '../../schema/tables.js';
import { threatIntelFeed } from '../../schema/reference-tables.js';
import { threatIntelIndicators } from '../../schema/sentinel-tables.js';
import { AZURE_VIEWS } from './azure-views.js';
import { internalTablesSql } from '../internal-tables.js';
import { flowTuplesDdl } from './flow-tuples-layout.js';
import { flowsDdl, STALE_FLOWS_DROP_SQL, STALE_FLOWS_LAYOUT_SQL } from './flows-layout.js';
import { ntaDdl, STALE_NTA_SQL, staleNtaDropSql } from './nta-layout.js';
import { flows, ntaNetAnalytics } from '../../schema/analytics-tables.js';
import type { Row, SqlParam, Store, Table, Value } from '../store.js';

/** Options for opening a DuckDB store. */
export interface DuckDBStoreOptions {
  /** Database file, or ':memory:'. */
  readonly path: string;
  /** DuckDB memory_limit, e.g. '384MB'. Keeps peak RSS bounded whatever the input size. */
  readonly memoryLimit?: string;
  /**
   * Open an existing database for reading only: any number of readers can share the file (a
   * writer excludes them all), and a missing file is an error instead of a new empty database.
   */
  readonly readOnly?: boolean;
}

/** A database that a reading command was pointed at does not exist. */
export class MissingDatabaseError extends Error {
  constructor(readonly path: string) {
    super(`no database at ${path}: ingest into it first (vnetflow ingest --db ${path} PATH), or give --db`);
    this.name = 'MissingDatabaseError';
  }
}

/** Opens (creating if needed) a DuckDB database with the vnetflow tables. */
export async function openDuckDBStore(options: DuckDBStoreOptions): Promise<Store> {
  if (options.readOnly && options.path !== ':memory:' && !existsSync(options.path))
    throw new MissingDatabaseError(options.path);
  const instance = await DuckDBInstance.create(options.path, {
    ...(options.readOnly && options.path !== ':memory:' ? { access_mode: 'READ_ONLY' } : {}),
    // Extensions are never downloaded: json, parquet and icu are built into the binding.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
    // A bulk insert buffers this many finished row groups per thread before writing them out
    // (DuckDB's default is 5). Under our memory limit the buffered, still uncompressed row groups
    // of a 2M-tuple ingest pushed DuckDB into spilling them to zstd-compressed temporary files and
    // back: 5-7% of the ingest's CPU in perf, under 2.5% with 1, at the same peak RSS.
    write_buffer_row_group_count: '1',
  });
  const conn = await instance.connect();
  // All timestamps are UTC; pinning the zone keeps TIMESTAMPTZ -> TIMESTAMP casts independent of the host.
  await conn.run("SET TimeZone = 'UTC'");
  const store = new DuckDBStore(instance, conn);
  // A reader takes the tables as they are: creating or upgrading them is the writers' work.
  if (options.readOnly) return store;
  const old = await conn.runAndReadAll(
    `SELECT 1 FROM duckdb_tables() WHERE table_name = '${flowTuples.name}' AND database_name = current_database()`,
  );
  if (old.currentRowCount > 0) {
    store.close();
    throw new Error(
      `${options.path} was written by an older vnetflow (FlowTuples is a table, not a view): ingest into a new database file`,
    );
  }
  const stale = (await conn.runAndReadAll(STALE_FLOWS_LAYOUT_SQL)).currentRowCount > 0;
  if (stale) for (const sql of STALE_FLOWS_DROP_SQL) await conn.run(sql);
  const staleNta = (await conn.runAndReadAll(STALE_NTA_SQL)).getRows();
  if (staleNta.length > 0) for (const sql of staleNtaDropSql(String(staleNta[0][0]))) await conn.run(sql);
  for (const sql of await renamedTablesSql(conn)) await conn.run(sql);
  const present = await columnsByTable(conn);
  for (const t of tables) {
    if (t === flowTuples) for (const sql of flowTuplesDdl()) await conn.run(sql);
    else if (t === flows) for (const sql of flowsDdl()) await conn.run(sql);
    else if (t !== ntaNetAnalytics && !AZURE_VIEWS.has(t)) {
      await conn.run(createTableSql(t));
      // A table written by an earlier vnetflow gets the columns added since, and its text
      // columns that became dynamic are converted.
      const have = present.get(t.name);
      if (!have) continue;
      for (const sql of addMissingColumnsSql(t, new Set(have.keys()))) await conn.run(sql);
      for (const c of t.columns)
        if (c.type === 'JSON' && have.get(c.name) === 'VARCHAR')
          await conn.run(`ALTER TABLE ${ident(t.name)} ALTER ${ident(c.name)} TYPE JSON`);
    }
  }
  for (const sql of internalTablesSql) await conn.run(sql);
  // Last: the views read tables of both lists above.
  for (const sql of ntaDdl()) await conn.run(sql);
  for (const ddl of AZURE_VIEWS.values()) await conn.run(ddl());
  return store;
}

/** Each table's columns and their types, in the open database. */
async function columnsByTable(conn: DuckDBConnection): Promise<Map<string, Map<string, string>>> {
  const rows = (
    await conn.runAndReadAll(
      `SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = current_database()`,
    )
  ).getRows();
  const out = new Map<string, Map<string, string>>();
  for (const [table, column, type] of rows) {
    const cols = out.get(String(table)) ?? new Map<string, string>();
    cols.set(String(column), String(type));
    out.set(String(table), cols);
  }
  return out;
}

/**
 * Tables renamed since a database was written: ThreatIntelIndicators held the feeds until it
 * became Sentinel's STIX view over ThreatIntelFeed.
 */
async function renamedTablesSql(conn: DuckDBConnection): Promise<string[]> {
  const base = (
    await conn.runAndReadAll(
      `SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() AND table_type = 'BASE TABLE'`,
    )
  )
    .getRows()
    .map((r) => String(r[0]));
  return base.includes(threatIntelIndicators.name) && !base.includes(threatIntelFeed.name)
    ? [`ALTER TABLE ${ident(threatIntelIndicators.name)} RENAME TO ${ident(threatIntelFeed.name)}`]
    : [];
}

class DuckDBStore implements Store {
  readonly dialect = 'duckdb' as const;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly owner = true,
  ) {}

  async session(): Promise<Store> {
    const conn = await this.instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return new DuckDBStore(this.instance, conn, false);
  }

  async run(sql: string, params?: readonly SqlParam[]): Promise<number> {
    const result = params?.length ? await this.conn.run(sql, bind(params)) : await this.conn.run(sql);
    return Number(result.rowsChanged);
  }

  async rows(sql: string, params?: readonly SqlParam[]): Promise<Row[]> {
    const reader = params?.length
      ? await this.conn.runAndReadAll(sql, bind(params))
      : await this.conn.runAndReadAll(sql);
    const names = reader.columnNames();
    return reader.getRows().map((r) => {
      const row: Row = {};
      names.forEach((n, i) => (row[n] = toValue(r[i])));
      return row;
    });
  }

  async table(sql: string): Promise<Table> {
    const reader = await this.conn.runAndReadAll(sql);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    return {
      columns: names.map((name, i) => ({ name, type: String(types[i]) })),
      rows: reader.getRows().map((r) => r.map(toValue)),
    };
  }

  async tableUpTo(sql: string, maxRows: number): Promise<Table & { truncated: boolean }> {
    const reader = await this.conn.streamAndReadUntil(sql, maxRows + 1);
    const names = reader.columnNames();
    const types = reader.columnTypes();
    const rows = reader.getRows();
    return {
      columns: names.map((name, i) => ({ name, type: String(types[i]) })),
      rows: rows.slice(0, maxRows).map((r) => r.map(toValue)),
      truncated: rows.length > maxRows,
    };
  }

  interrupt(): void {
    this.conn.interrupt();
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.conn.run('COMMIT');
      return out;
    } catch (err) {
      await this.conn.run('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    this.conn.closeSync();
    if (this.owner) this.instance.closeSync();
  }
}

/** Parameters as the binding takes them: a list of strings becomes a LIST value. */
function bind(params: readonly SqlParam[]): DuckDBValue[] {
  return params.map((p) =>
    Array.isArray(p) ? listValue([...(p as readonly string[])]) : (p as DuckDBValue),
  );
}

/** Converts a DuckDB value to a plain JSON-friendly value. */
function toValue(v: DuckDBValue): Value {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
  if (typeof v === 'object' && 'items' in v && Array.isArray(v.items)) return v.items.map(toValue);
  if (typeof v === 'object' && 'entries' in v && v.entries && typeof v.entries === 'object') {
    const out: { [k: string]: Value } = {};
    for (const [k, x] of Object.entries(v.entries as Record<string, DuckDBValue>)) out[k] = toValue(x);
    return out;
  }
  // Timestamps, decimals, intervals and blobs print themselves in DuckDB's canonical text form.
  return String(v);
}
