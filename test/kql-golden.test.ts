import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { compileKql } from '../src/kql/run.js';
import { jsonValue } from '../src/kql/values.js';
import type { Store } from '../src/store/store.js';
import { memoryStore, ROOT } from './helpers.js';

/**
 * Golden cases (test/kql/): each `<case>.kql` stands alone (datatable or print), with its expected
 * result written by hand from Kusto's documented behaviour in `<case>.expected.json`, and the SQL it
 * compiles to kept as a snapshot in `<case>.sql`. A changed snapshot fails the test; after checking
 * the new SQL, refresh the snapshots with UPDATE_SNAPSHOTS=1.
 */
const DIR = join(ROOT, 'test', 'kql');
const NOW = new Date('2026-11-23T12:00:00Z');
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.kql'))
  .map((f) => f.slice(0, -4))
  .sort();

interface Expected {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  /** false: the rows may come in any order (the query leaves it open). Default true. */
  ordered?: boolean;
  render?: string;
}

let store: Store;
before(async () => {
  store = await memoryStore();
});
after(() => store.close());

test('there are golden cases, each with an expected result', () => {
  assert.ok(cases.length >= 30, `only ${cases.length} cases`);
  for (const c of cases)
    assert.ok(existsSync(join(DIR, `${c}.expected.json`)), `${c}.expected.json is missing`);
});

for (const name of cases)
  test(`golden: ${name}`, async () => {
    const kql = readFileSync(join(DIR, `${name}.kql`), 'utf8');
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
    const compiled = compileKql(kql, NOW);
    const snapshot = join(DIR, `${name}.sql`);
    if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(snapshot))
      writeFileSync(snapshot, `${compiled.sql}\n`);
    else assert.equal(`${compiled.sql}\n`, readFileSync(snapshot, 'utf8'), `the SQL of ${name} changed`);
    assert.deepEqual(compiled.columns, expected.columns);
    assert.equal(compiled.render, expected.render ?? null);
    const rows = (await store.table(compiled.sql)).rows.map((r) =>
      r.map((v, i) => jsonValue(v, compiled.columns[i].type)),
    );
    if (expected.ordered === false) {
      const key = (r: unknown[]): string => JSON.stringify(r);
      assert.deepEqual(rows.map(key).sort(), expected.rows.map(key).sort());
    } else assert.deepEqual(rows, expected.rows);
  });
