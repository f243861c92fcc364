import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sqlString } from '../src/ingest/sql-literal.js';
import { compileKql, KqlError } from '../src/kql/run.js';
import { tables } from '../src/schema/tables.js';
import type { Store } from '../src/store/store.js';
import { memoryStore } from './helpers.js';
import { payloadQueries, tokenSoup } from './kql-fuzz-queries.js';

/**
 * Safety: whatever KQL comes in, what goes to DuckDB is one SELECT over the schema's tables (or
 * the query's own datatable rows), with no table function, file, attached database or second
 * statement, or else the query is refused with a KqlError. DuckDB's own parser
 * (json_serialize_sql) reads each generated statement back to check it.
 */

const NOW = new Date('2026-11-23T12:00:00Z');
const TABLES = new Set(tables.map((t) => t.name));
/** Functions that read files, the network or settings, or run SQL of their own. */
const FORBIDDEN =
  /^(read_|parquet_|glob$|sniff_csv|.*_scan$|query(_table)?$|getenv$|load$|install$|attach$|copy$|export_|import_|current_setting$|duckdb_|pragma_|sql_auto|json_execute_serialized_sql$)/i;

/** Parses the generated SQL with DuckDB's own parser and checks what it may touch. */
async function assertSafe(store: Store, sql: string, kql: string): Promise<void> {
  const [row] = await store.rows(`SELECT json_serialize_sql(${sqlString(sql)})::VARCHAR AS j`);
  const parsed = JSON.parse(String(row.j)) as {
    error: boolean;
    statements?: unknown[];
    error_message?: string;
  };
  assert.equal(
    parsed.error,
    false,
    `not one parsable statement for ${JSON.stringify(kql)}: ${parsed.error_message}`,
  );
  assert.equal(parsed.statements?.length, 1, `not exactly one statement for ${JSON.stringify(kql)}`);
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n === null || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    assert.notEqual(o.type, 'TABLE_FUNCTION', `a table function in the SQL of ${JSON.stringify(kql)}`);
    if (o.type === 'BASE_TABLE') {
      assert.ok(
        TABLES.has(String(o.table_name)),
        `table ${String(o.table_name)} reached by ${JSON.stringify(kql)}`,
      );
      assert.equal(o.schema_name, '');
      assert.equal(o.catalog_name, '');
    }
    if (typeof o.function_name === 'string')
      assert.ok(!FORBIDDEN.test(o.function_name), `${o.function_name}() called by ${JSON.stringify(kql)}`);
    Object.values(o).forEach(walk);
  };
  walk(parsed.statements);
  const node = (parsed.statements?.[0] as { node: { type: string } }).node;
  assert.equal(node.type, 'SELECT_NODE');
}

let store: Store;
before(async () => {
  store = await memoryStore();
});
after(() => store.close());

/** Compiles one query: a clean KqlError, or SQL that is safe and runs (or fails inside DuckDB). */
async function check(kql: string): Promise<'refused' | 'compiled'> {
  let sql: string;
  try {
    sql = compileKql(kql, NOW).sql;
  } catch (err) {
    assert.ok(err instanceof KqlError, `${JSON.stringify(kql.slice(0, 200))} threw ${String(err)}`);
    return 'refused';
  }
  await assertSafe(store, sql, kql.slice(0, 200));
  // Running it must not take the process down; a DuckDB error is a clean refusal too.
  await store.table(`SELECT * FROM (${sql}) LIMIT 5`).catch((err: Error) => assert.ok(err instanceof Error));
  return 'compiled';
}

test('hostile payloads in every place a query takes text give a safe SELECT or a clean error', async () => {
  const seen = { refused: 0, compiled: 0 };
  for (const query of payloadQueries()) seen[await check(query)]++;
  // Both outcomes occur: the payloads reach the SQL as data, and nonsense is refused.
  assert.ok(seen.compiled > 50, JSON.stringify(seen));
  assert.ok(seen.refused > 50, JSON.stringify(seen));
});

test('random token soup never escapes: a safe SELECT or a clean error', async () => {
  for (const query of tokenSoup()) await check(query);
});

test('giant and deeply nested queries are refused or compiled, never crash', async () => {
  assert.equal(await check(`print x = "${'a'.repeat(200_000)}"`), 'compiled');
  assert.equal(await check(`print x = ${'('.repeat(2000)}1${')'.repeat(2000)}`), 'refused');
  assert.equal(await check(`FlowTuples${' | where SrcPort > 1'.repeat(1500)}`), 'refused');
  assert.equal(await check('print x = 1; print y = 2'), 'refused');
  await check(`print x = ${Array.from({ length: 400 }, (_, i) => i).join(' + ')}`);
});

test('queries nested past what can be compiled are their own clear error, in a batch too', () => {
  const lets = Array.from({ length: 2000 }, (_, i) => `let v${i} = ${i ? `v${i - 1} + 1` : '1'};`).join('\n');
  const joins = `let a = datatable(k:long)[1];\na${' | join kind=inner (a) on k'.repeat(200)} | count`;
  for (const query of [`${lets}\nprint v1999`, joins]) {
    assert.throws(
      () => compileKql(query, NOW),
      (err: unknown) => err instanceof KqlError && /query too complex/.test(err.message),
    );
  }
});
