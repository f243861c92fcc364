import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publicColumns, tables } from '../src/schema/tables.js';
import { memoryStore } from './helpers.js';

// The tables users and KQL query are a contract (src/schema): whatever the storage layout under a
// view, each must have exactly the columns the schema lists, in order, with the listed types.
test('every table and view has the columns and types its schema definition lists', async () => {
  const store = await memoryStore();
  const duck: Record<string, string> = { JSON: 'JSON' };
  for (const t of tables) {
    const described = await store.rows(`DESCRIBE ${t.name}`);
    const names = described.map((r) => String(r.column_name));
    assert.deepEqual(
      names.filter((n) => publicColumns(t).includes(n)),
      publicColumns(t),
      `${t.name}: columns`,
    );
    for (const c of t.columns.filter((x) => !x.internal)) {
      const row = described.find((r) => r.column_name === c.name);
      assert.equal(String(row?.column_type), duck[c.type] ?? c.type, `${t.name}.${c.name}: type`);
    }
  }
});
