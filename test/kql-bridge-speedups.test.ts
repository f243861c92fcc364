import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInThisContext } from 'node:vm';
import { speedUpBridge } from '../src/kql/bridge-speedups.js';
import { kustoGlobals } from '../src/kql/kusto-language.js';
import { speedUpKusto } from '../src/kql/kusto-speedups.js';
import { callVariants } from './kql-call-variants.js';
import { payloadQueries, tokenSoup } from './kql-fuzz-queries.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- Bridge.NET's runtime has no types. */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const KUSTO = dirname(createRequire(import.meta.url).resolve('@kusto/language-service-next/package.json'));

// This file loads Kusto.Language itself (node --test gives each test file its own process), so
// that every call of a replaced helper can be answered by both versions and compared.
const runtime = readFileSync(join(KUSTO, 'bridge.min.js'), 'utf8');
runInThisContext(runtime, { filename: 'bridge.min.js' });
const g = globalThis as any;
const helpers = (): Record<string, (...args: any[]) => any> => ({
  is: g.Bridge.is,
  getCount: g.System.Array.getCount,
  getItem: g.System.Array.getItem,
  ref: g.Bridge.ref,
});
const original = helpers();

test('the speed-ups apply only to the Bridge.NET version they mirror', () => {
  const fake = { Bridge: { ...g.Bridge }, System: { Array: { ...g.System.Array } } };
  assert.equal(speedUpBridge(fake.Bridge, fake.System, '17.9.0'), false);
  assert.equal(fake.Bridge.is, original.is);
  assert.equal(
    /@version\s*:\s*([\d.]+)/.exec(runtime)?.[1],
    '17.10.1',
    'the shipped runtime is the mirrored one',
  );
  assert.equal(speedUpBridge(g.Bridge, g.System, '17.10.1'), true);
  assert.notEqual(g.Bridge.is, original.is);
});

test('every replaced helper answers as the original while Kusto analyzes all our queries', () => {
  const fast = helpers();
  const calls = new Map<string, number>();
  const mismatches: string[] = [];
  for (const name of ['is', 'getCount', 'getItem'] as const) {
    const compare = (...args: any[]): any => {
      const a = fast[name](...args);
      const b = original[name](...args);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b)))
        mismatches.push(`${name}: ${String(a)} vs ${String(b)}`);
      return b;
    };
    if (name === 'is') g.Bridge.is = compare;
    else g.System.Array[name] = compare;
  }
  // A reference must read and write the same slot as the original's.
  const obj: any = { a: 1, list: [10, 20] };
  const r = fast.ref(obj, 'a');
  r.v = r.v + 1;
  assert.equal(obj.a, 2);
  const ri = fast.ref(obj.list, 1);
  ri.v = ri.v * 2;
  assert.deepEqual(obj.list, [10, 40]);

  runInThisContext(readFileSync(join(KUSTO, 'Kusto.Language.Bridge.min.js'), 'utf8'));
  const K = g.Kusto.Language;
  const globals = kustoGlobals(undefined, K);

  // The overload-resolution memo: each call answered by the original (into the caller's list)
  // and by the memo (into a list of its own), compared; `resolved` counts the memo's own answers.
  const binder = K.Binding.Binder.prototype;
  const resolve = binder.GetBestMatchingSignatures;
  let resolved = 0;
  binder.GetBestMatchingSignatures = function (...args: any[]): any {
    resolved++;
    return resolve.apply(this, args);
  };
  const counted = binder.GetBestMatchingSignatures;
  const version = (JSON.parse(readFileSync(join(KUSTO, 'package.json'), 'utf8')) as { version: string })
    .version;
  assert.equal(speedUpKusto(K, g.Bridge, g.System, '0.0.1'), false);
  assert.equal(
    speedUpKusto(K, g.Bridge, g.System, version),
    true,
    'the shipped Kusto.Language is the mirrored one',
  );
  const memo = binder.GetBestMatchingSignatures;
  const SignatureList = g.System.Collections.Generic.List$1(K.Symbols.Signature);
  let memoCalls = 0;
  binder.GetBestMatchingSignatures = function (sigs: any, args: any, types: any, result: any, all: any): any {
    const before = resolved;
    const mine = new SignatureList.ctor();
    memo.call(this, sigs, args, types, mine, all);
    memoCalls++;
    const answered = resolved === before;
    counted.call(this, sigs, args, types, result, all);
    const a = Array.from({ length: mine.Count }, (_, i) => mine.getItem(i));
    const b = Array.from({ length: result.Count }, (_, i) => result.getItem(i));
    if (a.length !== b.length || a.some((x, i) => x !== b[i]))
      mismatches.push(`GetBestMatchingSignatures${answered ? ' (memo)' : ''}: ${a.length} vs ${b.length}`);
    calls.set('memo', (calls.get('memo') ?? 0) + (answered ? 1 : 0));
  };
  const dirs = ['test/kql', 'test/fixtures/kql'].map((d) => join(ROOT, d));
  const files = dirs.flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.kql'))
      .map((f) => join(d, f)),
  );
  assert.ok(files.length >= 40, `${files.length} queries`);
  let errors = 0;
  for (const f of files) {
    const diagnostics = K.KustoCode.ParseAndAnalyze(readFileSync(f, 'utf8'), globals).GetDiagnostics();
    for (let i = 0; i < diagnostics.Count; i++)
      if (String(diagnostics.getItem(i).Severity) === 'Error') errors++;
  }
  // The corpus queries are valid, and a broken query's diagnostics go through the same helpers.
  assert.equal(errors, 0);
  // Beyond the corpus: the safety fuzz's queries, and every built-in function called with every
  // argument count (more, then fewer, then more again), mixed types, columns and named arguments.
  const generated = [...payloadQueries(), ...tokenSoup(), ...callVariants(K)];
  assert.ok(generated.length > 1000, `${generated.length} generated queries`);
  // Kusto.Language throws .NET exceptions of its own on a few of them (countof() with a timespan),
  // patched or not (compileKql turns those into the query's error); a JS error is ours.
  const failures: string[] = [];
  let kustoExceptions = 0;
  for (const query of generated)
    try {
      K.KustoCode.ParseAndAnalyze(query, globals).GetDiagnostics();
    } catch (err) {
      if (err instanceof Error) failures.push(`${query.slice(0, 120)}: ${err.message}`);
      else kustoExceptions++;
    }
  assert.deepEqual(failures.slice(0, 5), []);
  assert.ok(kustoExceptions < generated.length / 100, `${kustoExceptions} Kusto exceptions`);
  const bad = K.KustoCode.ParseAndAnalyze(
    'FlowTuples | where NoSuchColumn > 1 | summarize count() by',
    globals,
  );
  assert.ok(bad.GetDiagnostics().Count > 0);
  assert.deepEqual(mismatches, []);
  for (const name of ['is', 'getCount', 'getItem'])
    assert.ok((calls.get(name) ?? 0) > 10_000, `${name}: ${calls.get(name)}`);
  // The memo answered many resolutions itself (each matching the original's answer).
  assert.ok((calls.get('memo') ?? 0) > 100, `memo: ${calls.get('memo')} of ${memoCalls}`);
});
/* eslint-enable @typescript-eslint/no-explicit-any */
