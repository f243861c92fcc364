import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildAnalytics } from '../src/analytics/build.js';
import { runKql } from '../src/kql/run.js';
import type { Store } from '../src/store/store.js';
import { generate } from '../src/synth/generate.js';
import { FIXTURES, ingestPaths, memoryStore, tempDir } from './helpers.js';

const END = new Date('2026-03-10T00:00:00Z');
let store: Store;

before(async () => {
  const env = tempDir();
  generate({ out: env, seed: 11, hours: 24, end: END, scale: 0.2, format: 'vnet' });
  store = await memoryStore();
  await ingestPaths(store, [env]);
  await buildAnalytics(store);
});

test('every acceptance query runs unmodified and returns rows', async () => {
  const dir = join(FIXTURES, 'kql');
  const files = readdirSync(dir).filter((x) => x.endsWith('.kql'));
  assert.equal(files.length, 14);
  for (const f of files) {
    const t = await runKql(store, readFileSync(join(dir, f), 'utf8'), END);
    assert.ok(t.rows.length > 0, `${f}: no rows`);
  }
});

test("seed 001's route query returns the route tables' routes as SQL finds them", async () => {
  const t = await runKql(
    store,
    readFileSync(join(FIXTURES, 'kql', '001-02-topology-routes.kql'), 'utf8'),
    END,
  );
  const sql =
    await store.rows(`SELECT DISTINCT split_part(Name, '/', 1) AS a, split_part(Name, '/', 2) AS b, split_part(Name, '/', 3) AS c,
      coalesce(NextHopType, '') AS d, coalesce(NextHopIp, '') AS e FROM NTATopologyDetails
    WHERE AzureResourceType = 'Route' AND split_part(Name, '/', 1) = 'flowlogs' ORDER BY ALL`);
  const kql = t.rows.map((r) => r.map(String)).sort((x, y) => x.join('|').localeCompare(y.join('|')));
  assert.deepEqual(
    kql,
    sql
      .map((r) => [r.a, r.b, r.c, r.d, r.e].map(String))
      .sort((x, y) => x.join('|').localeCompare(y.join('|'))),
  );
});

test("seed 000's malicious-outbound query: outbound rows, bytes in MB from the tuples, DNS names as sets", async () => {
  const t = await runKql(
    store,
    readFileSync(join(FIXTURES, 'kql', '000-malicious-outbound-dns.kql'), 'utf8'),
    END,
  );
  const col = (n: string): number => t.columns.findIndex((c) => c.name === n);
  assert.ok(t.rows.length > 0);
  for (const r of t.rows) {
    assert.equal(r[col('FlowDirection')], 'Outbound');
    assert.ok(Array.isArray(JSON.parse(String(r[col('QueryName')]))));
  }
  // The threat-feed destination resolves to its DNS name, as the ground truth says.
  const c2 = t.rows.filter((r) => r[col('DestIp')] === '185.220.101.47');
  assert.ok(c2.length > 0);
  assert.ok(c2.every((r) => String(r[col('QueryName')]).includes('update-check.cdn-sync.net')));
  assert.ok(c2.every((r) => r[col('FlowType')] === 'MaliciousFlow'));
});

test("seed 001's on-premises query splits bytes by direction exactly as SQL does", async () => {
  const t = await runKql(store, readFileSync(join(FIXTURES, 'kql', '001-13-onprem-azure.kql'), 'utf8'), END);
  const kql = Object.fromEntries(t.rows.map((r) => [String(r[0]), [Number(r[1]), Number(r[2])]]));
  const sql =
    await store.rows(`SELECT CASE WHEN SrcIp LIKE '10.4.%' THEN 'Onprem2Azure' ELSE 'Azure2Onprem' END AS d,
      sum(BytesSrcToDest) AS a, sum(BytesDestToSrc) AS b FROM NTANetAnalytics
    WHERE FlowStartTime > TIMESTAMP '2026-03-09 00:00:00'
      AND ((SrcIp LIKE '10.4.%' AND DestIp LIKE '10.1.%') OR (SrcIp LIKE '10.1.%' AND DestIp LIKE '10.4.%')) GROUP BY 1`);
  assert.ok(sql.length === 2);
  for (const r of sql) assert.deepEqual(kql[String(r.d)], [Number(r.a), Number(r.b)]);
});

test("the demo's report: every section is KQL that runs and returns rows", async () => {
  const { REPORT } = await import('../src/cli/report-queries.js');
  const { SEED_000 } = await import('../src/cli/demo-seed-000.js');
  // The demo's copy of seed 000 is the acceptance fixture, character for character.
  assert.equal(SEED_000, readFileSync(join(FIXTURES, 'kql', '000-malicious-outbound-dns.kql'), 'utf8'));
  assert.ok(REPORT.filter((s) => s.source.startsWith('seed')).length >= 4);
  for (const section of REPORT) {
    const t = await runKql(store, section.kql, END);
    assert.ok(t.rows.length > 0, `${section.title}: no rows`);
  }
  // The malicious section lists only destinations that NTANetAnalytics classifies as malicious.
  const section = REPORT.find((s) => s.kql.includes('MaliciousFlow'));
  assert.ok(section);
  const t = await runKql(store, section.kql, END);
  const dest = t.columns.findIndex((c) => c.name === 'DestIp');
  const malicious = new Set(
    (await store.rows(`SELECT DISTINCT DestIp FROM NTANetAnalytics WHERE FlowType = 'MaliciousFlow'`)).map(
      (r) => String(r.DestIp),
    ),
  );
  for (const r of t.rows)
    assert.ok(malicious.has(String(r[dest])), `${String(r[dest])} is not a malicious destination`);
});
