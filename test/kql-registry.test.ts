/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's symbols carry no ES types. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  aggregateFunctions,
  functionTable,
  overridden,
  scalarFunctions,
} from '../src/kql/functions/registry.js';
import type { ScalarFunction } from '../src/kql/functions/function.js';
import { kustoLanguage } from '../src/kql/kusto-language.js';
import { analyze } from '../src/kql/kusto-language.js';
import { lower } from '../src/kql/lower/lowering.js';
import { DuckDBCompiler } from '../src/kql/sql/duckdb-compiler.js';
import type { Store } from '../src/store/store.js';
import { memoryStore } from './helpers.js';

/**
 * The function registry (src/kql/functions/): one entry per function, the lowering accepting
 * exactly its names, a dialect overriding entries by name.
 */

let store: Store;
before(async () => {
  store = await memoryStore();
});
after(() => store.close());

/** The names Kusto.Language knows as built-in scalar functions and aggregates. */
function kustoNames(): { functions: Set<string>; aggregates: Set<string> } {
  const K: any = kustoLanguage();
  const names = (list: any): Set<string> => {
    const out = new Set<string>();
    for (const fn of list as any[]) out.add(String(fn.Name).toLowerCase());
    return out;
  };
  return { functions: names(K.Functions.All), aggregates: names(K.Aggregates.All) };
}

test('every registry entry is a function or aggregate Kusto knows (a misspelt entry would be dead code)', () => {
  const known = kustoNames();
  for (const [name, f] of scalarFunctions)
    if (!f.operatorOnly) assert.ok(known.functions.has(name), `${name} is not a Kusto function`);
  for (const name of aggregateFunctions.keys())
    assert.ok(known.aggregates.has(name), `${name} is not a Kusto aggregate`);
  assert.ok(scalarFunctions.size >= 80, `${scalarFunctions.size} scalar functions`);
});

test('the lowering accepts a registry function and refuses, by name, one that is not there', () => {
  const ok = lower(analyze('print x = strlen("abc")').code);
  assert.equal(ok.body.kind, 'rows');
  // A real Kusto function the engine does not compile: refused with its name and position.
  assert.ok(!scalarFunctions.has('hash_sha256'), 'pick another function for this test');
  assert.throws(
    () => lower(analyze('print x = hash_sha256("abc")').code),
    (e: any) => e.construct === 'the function hash_sha256()' && e.start === 10,
  );
});

test('a name defined twice is caught when the table is built; an override must replace an entry', () => {
  const entry: ScalarFunction = { name: 'strlen', sql: () => '0' };
  assert.throws(() => functionTable([entry, entry]), /strlen is defined twice/);
  assert.throws(() => overridden(scalarFunctions, [{ name: 'no_such_fn', sql: () => '0' }]), /no_such_fn/);
});

test('a dialect overrides an entry by name, and only that entry', async () => {
  class Doubled extends DuckDBCompiler {
    protected override functionOverrides(): readonly ScalarFunction[] {
      return [{ name: 'strlen', sql: (_c, _s, a) => `(2 * length(${a[0]}))` }];
    }
  }
  const q = lower(analyze('print a = strlen("abc"), b = toupper("abc")').code);
  const now = new Date('2026-01-01T00:00:00Z');
  const base = new DuckDBCompiler(now).compile(q);
  const doubled = new Doubled(now).compile(q);
  assert.notEqual(base, doubled);
  assert.deepEqual((await store.table(base)).rows, [[3, 'ABC']]);
  assert.deepEqual((await store.table(doubled)).rows, [[6, 'ABC']]);
});
/* eslint-enable @typescript-eslint/no-explicit-any */
