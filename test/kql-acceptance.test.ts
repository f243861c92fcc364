import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyze, kustoGlobals } from '../src/kql/kusto-language.js';
import { FIXTURES } from './helpers.js';

// The acceptance queries (../shared/acceptance/kql, copied here so a clean clone has them) are
// checked by Microsoft's analyzer against vnetflow's table schemas: every table and column a
// seed query names must exist with a type the query can use. Running them is issue 4's work.
test('every acceptance query type-checks against the vnetflow tables with Kusto.Language', () => {
  const dir = join(FIXTURES, 'kql');
  const globals = kustoGlobals();
  const files = readdirSync(dir).filter((f) => f.endsWith('.kql'));
  assert.equal(files.length, 14);
  for (const f of files) {
    const { diagnostics } = analyze(readFileSync(join(dir, f), 'utf8'), globals);
    const errors = diagnostics.filter((d) => d.severity === 'Error');
    assert.deepEqual(
      errors.map((d) => `${d.message} @${d.start}`),
      [],
      f,
    );
  }
});

test('a misspelled column is an error with its position', () => {
  const q = 'NTANetAnalytics | where SrcIpp == "10.1.1.8"';
  const { diagnostics } = analyze(q);
  assert.equal(diagnostics.length, 1);
  assert.equal(diagnostics[0].severity, 'Error', 'the first test filters on this spelling');
  assert.match(diagnostics[0].message, /SrcIpp/);
  assert.equal(diagnostics[0].start, q.indexOf('SrcIpp'));
});
