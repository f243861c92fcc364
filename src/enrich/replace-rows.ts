import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlString } from '../ingest/sql-literal.js';
import type { Store } from '../store/store.js';

/**
 * Replaces what one reference file loaded before with its new rows, in one transaction: a failure
 * leaves the previous data in place, and loading the same file again never duplicates. With a
 * `key` column, rows other files loaded with the same key are replaced too (the newer copy of a
 * resource wins); with `replaceAll`, the file replaces everything (a snapshot). Rows travel as NDJSON into read_json, typed by the table's own columns.
 */
export async function replaceRows(
  store: Store,
  table: string,
  uri: string,
  rows: readonly Record<string, unknown>[],
  options: {
    readonly key?: string;
    readonly replaceAll?: boolean;
    readonly sourceColumn?: string | null;
  } = {},
): Promise<number> {
  const { key } = options;
  // null: the table keeps no source column (a derived table, always replaced whole).
  const sourceColumn = options.sourceColumn === undefined ? 'SourceUri' : options.sourceColumn;
  const source = sourceColumn === null ? '' : `, ${sqlString(uri)} AS ${sourceColumn}`;
  const dir = await mkdtemp(join(tmpdir(), 'vnetflow-load-'));
  try {
    const file = join(dir, 'rows.ndjson');
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const types = await store.rows(
      `SELECT column_name AS name, data_type AS type FROM duckdb_columns() WHERE table_name = ${sqlString(table)}`,
    );
    const present = new Set(rows.flatMap((r) => Object.keys(r)));
    const columns = types
      .filter((t) => present.has(String(t.name)))
      .map((t) => `"${String(t.name)}": '${String(t.type)}'`)
      .join(', ');
    const hasLoadedAt = types.some((t) => t.name === 'LoadedAt');
    await store.transaction(async () => {
      await store.run(
        `DELETE FROM ${table}${options.replaceAll || sourceColumn === null ? '' : ` WHERE ${sourceColumn} = ${sqlString(uri)}`}`,
      );
      if (rows.length === 0) return;
      const input = `read_json(${sqlString(file)}, format = 'newline_delimited', columns = {${columns}})`;
      if (key) await store.run(`DELETE FROM ${table} WHERE "${key}" IN (SELECT "${key}" FROM ${input})`);
      await store.run(
        `INSERT INTO ${table} BY NAME SELECT *${source}${hasLoadedAt ? ', now()::TIMESTAMP AS LoadedAt' : ''}
         FROM ${input}`,
      );
    });
    return rows.length;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
