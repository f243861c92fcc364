import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildAnalytics } from '../../src/analytics/build.js';
import { detect, windowEnds } from '../../src/detect/detect.js';
import { builtinRulesDir, loadRules } from '../../src/detect/load-rules.js';
import { runKql } from '../../src/kql/run.js';
import { alerts as alertsTable } from '../../src/schema/alerts.js';
import { publicColumns } from '../../src/schema/tables.js';
import { CLI, ingestPaths, memoryStore, put, tempDir } from '../helpers.js';
import { HOUR, MIN, Scene, storedAlerts, T0 } from './scene.js';

const RULE = `id: test-ssh
name: Test SSH attempts
description: Five or more SSH attempts from one source.
severity: Low
tactics: [CredentialAccess]
relevantTechniques: [T1110]
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
query: |
  FlowTuples
  | where DestPort == 22 and FlowState in ("B", "D")
  | summarize Attempts = count(), StartTime = min(TimeGenerated), EndTime = max(TimeGenerated) by SrcIp, DestIp, DestPort
  | where Attempts >= 5
requiredDataConnectors:
  - connectorId: AzureNetworkWatcher
version: 1.2.0
`;

/** Three hours with 6 SSH attempts each from one address, plus LB probes on RDP. */
function threeHours(): Scene {
  const s = new Scene();
  for (let h = 0; h < 3; h++)
    for (let i = 0; i < 6; i++)
      s.flow({ t: T0 + h * HOUR + i * MIN, src: '203.0.113.7', dst: '10.0.0.4', dport: 22 });
  return s;
}

async function storeWith(scene: Scene) {
  const dir = tempDir();
  scene.write(dir);
  const store = await memoryStore();
  await ingestPaths(store, [dir]);
  await buildAnalytics(store);
  return store;
}

test('windows end on multiples of the frequency, from the first after `from` to the one holding `to`', () => {
  const ends = windowEnds(new Date(T0 + 10 * MIN), new Date(T0 + 2 * HOUR), HOUR).map(
    (d) => d.getTime() - T0,
  );
  assert.deepEqual(ends, [HOUR, 2 * HOUR, 3 * HOUR]);
  // Events in hour 0 and in hour 1000 only: 1-hour windows run at 1h and 1001h; 3-hour windows
  // reach each hour of events from the three runs that end after it.
  const year = new Date(T0 + 1000 * HOUR + 5 * MIN);
  const sparse = [T0, T0 + 1000 * HOUR];
  const at = (ds: Date[]): number[] => ds.map((d) => (d.getTime() - T0) / HOUR);
  assert.deepEqual(at(windowEnds(new Date(T0), year, HOUR, HOUR, sparse)), [1, 1001]);
  assert.deepEqual(at(windowEnds(new Date(T0), year, HOUR, 3 * HOUR, sparse)), [1, 2, 3, 1001]);
});

test('malformed rules are reported with file, line and reason, and never stop the others', () => {
  const dir = tempDir();
  put(join(dir, 'good.yaml'), RULE);
  put(join(dir, 'syntax.yaml'), 'id: x\nname: [unclosed\n');
  put(
    join(dir, 'fields.yaml'),
    RULE.replace('id: test-ssh', 'id: other')
      .replace('severity: Low', 'severity: Critical')
      .replace('queryPeriod: 1h', 'queryPeriod: soon'),
  );
  put(
    join(dir, 'kql.yaml'),
    RULE.replace('id: test-ssh', 'id: kql').replace('| where Attempts >= 5', '| where Atempts >= 5'),
  );
  put(
    join(dir, 'columns.yaml'),
    RULE.replace('id: test-ssh', 'id: cols').replace('by SrcIp, DestIp, DestPort', 'by DestPort'),
  );
  put(
    join(dir, 'allow.yaml'),
    RULE.replace('id: test-ssh', 'id: allow') +
      'vnetflow:\n  allowList:\n    addresses: [10.0.0.999]\n    ports: [70000]\n',
  );
  put(join(dir, 'twin.yaml'), RULE);
  put(join(dir, 'notes.txt'), 'not a rule');
  const set = loadRules([dir], false);
  assert.deepEqual(
    set.rules.map((r) => r.id),
    ['test-ssh'],
  );
  const got = set.problems.map((p) => `${p.file.slice(dir.length + 1)}:${p.line}: ${p.message}`);
  const expect = [
    /^allow\.yaml:2[12]: "10\.0\.0\.999" is not an IP address$/,
    /^allow\.yaml:22: 70000 is not a port/,
    /^columns\.yaml:12: the query yields none of SrcIp/,

    /^fields\.yaml:4: severity must be one of Informational, Low, Medium, High, got "Critical"$/,
    /^fields\.yaml:8: queryPeriod: "soon" is not a duration/,
    /^kql\.yaml:15: query: .*Atempts/,
    /^syntax\.yaml:3: /,
    /^twin\.yaml:1: rule id test-ssh is used by .*good\.yaml already$/,
  ];
  assert.equal(got.length, expect.length, got.join('\n'));
  for (const [i, re] of expect.entries()) assert.match(got[i], re);
  // Keys vnetflow does not use are kept for the way back to Sentinel.
  assert.deepEqual(set.rules[0].extra, {
    requiredDataConnectors: [{ connectorId: 'AzureNetworkWatcher' }],
    version: '1.2.0',
  });
});

test('a rules directory with a link loop, an oversized file and NUL bytes: problems, never a crash', () => {
  const dir = tempDir();
  put(join(dir, 'good.yaml'), RULE);
  mkdirSync(join(dir, 'sub'));
  symlinkSync('..', join(dir, 'sub', 'loop'));
  put(join(dir, 'big.yaml'), Buffer.alloc(2 << 20, 'a'));
  put(join(dir, 'nul.yaml'), 'id: x\0name: y\n');
  const set = loadRules([dir], false);
  assert.deepEqual(
    set.rules.map((r) => r.id),
    ['test-ssh'],
  );
  const got = set.problems.map((p) => `${p.file.slice(dir.length + 1)}: ${p.message}`);
  assert.equal(got.length, 2, got.join('\n'));
  assert.match(got[0], /^big\.yaml: 2097152 bytes: too large for a rule file/);
  assert.match(got[1], /^nul\.yaml: /);
});

test('a user rule with a built-in id replaces it; a user allow-list adds to the built-in one', () => {
  const dir = tempDir();
  const builtin = loadRules([]);
  const scan = readFileSync(join(builtinRulesDir(), 'port-scan.yaml'), 'utf8').replace(
    'Ports >= 20',
    'Ports >= 50',
  );
  put(join(dir, 'scan.yaml'), scan);
  put(join(dir, 'allow-list.yaml'), 'addresses: [198.51.100.1]\ncidrs: [192.0.2.0/24]\n');
  const set = loadRules([dir]);
  assert.deepEqual(set.problems, []);
  assert.deepEqual(set.replaced, ['vnetflow-port-scan']);
  assert.equal(set.rules.length, builtin.rules.length);
  assert.match(set.rules.find((r) => r.id === 'vnetflow-port-scan')!.query, /Ports >= 50/);
  assert.ok(set.allowList.addresses.includes('168.63.129.16'));
  assert.ok(set.allowList.addresses.includes('198.51.100.1'));
  assert.ok(set.allowList.cidrs.includes('192.0.2.0/24'));
});

test('a second run adds nothing; the evidence query returns what the alert counts', async () => {
  const dir = tempDir();
  put(join(dir, 'r.yaml'), RULE);
  const set = loadRules([dir], false);
  const store = await storeWith(threeHours());
  const first = await detect(store, set);
  assert.equal(first.raised, 3);
  const again = await detect(store, set);
  assert.equal(again.raised, 0);
  // Forced over the whole range: every alert is found again and recognised as stored.
  const forced = await detect(store, set, { from: new Date(T0) });
  assert.equal(forced.raised, 0);
  assert.equal(forced.rules[0].existing, 3);
  const alerts = await storedAlerts(store);
  assert.equal(alerts.length, 3);
  for (const a of alerts) {
    const evidence = await runKql(store, String(a.Evidence));
    assert.equal(evidence.rows.length, a.EvidenceCount);
    // Six attempts (B) and the E tuples of the first five: the sixth ends after the last attempt.
    assert.equal(evidence.rows.length, 11);
    const src = evidence.columns.findIndex((c) => c.name === 'SrcIp');
    assert.ok(evidence.rows.every((r) => r[src] === '203.0.113.7'));
  }
  store.close();
});

test('suppressionDuration keeps one alert for the same entities; allow-lists leave traffic out', async () => {
  const dir = tempDir();
  put(join(dir, 'r.yaml'), RULE + 'suppressionDuration: 6h\n');
  const store = await storeWith(threeHours().flow({ t: T0, src: '203.0.113.8', dst: '10.0.0.4', dport: 22 }));
  const run = await detect(store, loadRules([dir], false));
  assert.equal(run.raised, 1);
  assert.equal(run.rules[0].suppressed, 2);

  const allowed = tempDir();
  put(join(allowed, 'r.yaml'), RULE);
  put(join(allowed, 'allow-list.yaml'), 'cidrs: [203.0.113.0/28]\n');
  const store2 = await storeWith(threeHours());
  assert.equal((await detect(store2, loadRules([allowed], false))).raised, 0);

  const perRule = tempDir();
  put(join(perRule, 'r.yaml'), RULE + 'vnetflow:\n  allowList:\n    ports: [22]\n');
  const store3 = await storeWith(threeHours());
  assert.equal((await detect(store3, loadRules([perRule], false))).raised, 0);
  for (const s of [store, store2, store3]) s.close();
});

test("Azure's load balancer probes never alert, however many (the built-in allow-list)", async () => {
  const scene = new Scene();
  for (let i = 0; i < 90; i++)
    scene.flow({ t: T0 + i * 30_000, src: '168.63.129.16', dst: '10.0.0.6', dport: 3389 });
  const store = await storeWith(scene);
  const run = await detect(store, loadRules([]));
  assert.equal(run.raised, 0);
  // The same probes from any other address are a brute force.
  const other = new Scene();
  for (let i = 0; i < 90; i++)
    other.flow({ t: T0 + i * 30_000, src: '203.0.113.9', dst: '10.0.0.6', dport: 3389 });
  const store2 = await storeWith(other);
  await detect(store2, loadRules([]));
  assert.ok((await storedAlerts(store2)).some((a) => a.RuleId === 'vnetflow-brute-force'));
  store.close();
  store2.close();
});

test('vnetflow detect: --format json prints the alerts with the Alerts columns; a bad rule makes the exit code 1', () => {
  const dir = tempDir();
  threeHours().write(join(dir, 'data'));
  const db = join(dir, 'v.duckdb');
  execFileSync(process.execPath, [CLI, 'ingest', '--no-detect', '--db', db, join(dir, 'data')], {
    stdio: 'pipe',
  });
  const rules = join(dir, 'rules');
  put(join(rules, 'r.yaml'), RULE);
  const out = execFileSync(
    process.execPath,
    [CLI, 'detect', '--db', db, '--no-builtin', '--rules', rules, '--format', 'json'],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const printed = JSON.parse(out) as Record<string, unknown>[];
  assert.equal(printed.length, 3);
  assert.deepEqual(Object.keys(printed[0]), publicColumns(alertsTable));
  assert.deepEqual(printed[0].SrcIps, ['203.0.113.7']);
  assert.deepEqual(printed[0].Tactics, ['CredentialAccess']);

  put(join(rules, 'bad.yaml'), 'id: bad\n');
  const bad = spawnSync(process.execPath, [CLI, 'detect', '--db', db, '--no-builtin', '--rules', rules], {
    encoding: 'utf8',
  });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /bad\.yaml:1: name is required/);
  assert.match(bad.stdout, /0 new alerts/);
  const missing = spawnSync(process.execPath, [CLI, 'detect', '--db', db, '--rules', join(dir, 'nope')], {
    encoding: 'utf8',
  });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read the directory .*nope: ENOENT/);
});

test('compiled rules are cached: a second load compiles nothing and gets the same SQL', async () => {
  const { MemoryKqlCache, kqlCacheKey } = await import('../../src/kql/kql-cache.js');
  const cache = new MemoryKqlCache();
  const first = loadRules([], true, cache);
  assert.equal(cache.added.size, first.rules.length);
  cache.added.clear();
  const second = loadRules([], true, cache);
  assert.equal(cache.added.size, 0);
  assert.deepEqual(
    second.rules.map((r) => r.compiled.sql),
    first.rules.map((r) => r.compiled.sql),
  );
  // Another scope or another query is another entry.
  assert.notEqual(kqlCacheKey('FlowTuples | count', 'a'), kqlCacheKey('FlowTuples | count', 'b'));
  assert.notEqual(kqlCacheKey('FlowTuples | count', 'a'), kqlCacheKey('FlowTuples | take 1', 'a'));
  // Through the database, as the CLI keeps it between runs.
  const { readKqlCache, saveKqlCache } = await import('../../src/store/duckdb/kql-cache-store.js');
  const store = await memoryStore();
  const stored = await readKqlCache(store);
  loadRules([], true, stored);
  await saveKqlCache(store, stored);
  const again = await readKqlCache(store);
  loadRules([], true, again);
  assert.equal(again.added.size, 0);
  store.close();
});

test('an incremental run after new data reads from where each rule stopped and finds the new attack', async () => {
  const dir = tempDir();
  put(join(dir, 'r.yaml'), RULE);
  const set = loadRules([dir], false);
  const first = new Scene();
  for (let i = 0; i < 6; i++) first.flow({ t: T0 + i * MIN, src: '203.0.113.7', dst: '10.0.0.4', dport: 22 });
  const data = tempDir();
  first.write(join(data, 'a'));
  const store = await memoryStore();
  await ingestPaths(store, [join(data, 'a')]);
  assert.equal((await detect(store, set)).raised, 1);
  // Ten hours later, another source: only the windows since the checkpoint run.
  const later = new Scene();
  for (let i = 0; i < 6; i++)
    later.flow({ t: T0 + 10 * HOUR + i * MIN, src: '203.0.113.9', dst: '10.0.0.4', dport: 22 });
  later.write(join(data, 'b'));
  await ingestPaths(store, [join(data, 'b')]);
  const second = await detect(store, set);
  assert.equal(second.raised, 1);
  // The window the last run ended with (it may have been partial) and the one of the new hour:
  // not the nine empty hours between.
  assert.equal(second.rules[0].windows, 2);
  assert.equal(second.rules[0].existing, 1);
  const alerts = await storedAlerts(store);
  assert.deepEqual(
    alerts.map((a) => a.SrcIps),
    [['203.0.113.7'], ['203.0.113.9']],
  );
  store.close();
});
