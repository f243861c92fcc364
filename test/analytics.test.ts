import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildAnalytics } from '../src/analytics/build.js';
import { generate } from '../src/synth/generate.js';
import type { Store } from '../src/store/store.js';
import { count, ingestPaths, memoryStore, tempDir } from './helpers.js';

interface Truth {
  scenarios: {
    id: string;
    expectedFlowType: string;
    srcIps: string[];
    dstIps: string[];
    dstPorts: number[];
    bytes: number;
  }[];
}

const END = new Date('2026-03-10T00:00:00Z');
let store: Store;
let env: string;
let truth: Truth;

// One generated estate for the whole file: 24 hours so every scenario is in, at a small scale.
before(async () => {
  env = tempDir();
  generate({ out: env, seed: 7, hours: 24, end: END, scale: 0.25, format: 'vnet' });
  truth = JSON.parse(readFileSync(join(env, 'ground-truth.json'), 'utf8')) as Truth;
  store = await memoryStore();
  // Flow logs and every kind of reference data, recognised by content in one walk.
  await ingestPaths(store, [env]);
  const a = await buildAnalytics(store);
  assert.equal(a.full, true);
  assert.ok(a.netAnalyticsRows > 0);
});

const list = (xs: readonly (string | number)[]): string => xs.map((x) => `'${x}'`).join(', ');

test('every labelled scenario appears in NTANetAnalytics with its expected FlowType and its bytes', async () => {
  for (const s of truth.scenarios) {
    const where = `SrcIp IN (${list(s.srcIps)}) AND DestIp IN (${list(s.dstIps)}) AND DestPort IN (${s.dstPorts.join(', ')})`;
    const rows = await store.rows(
      `SELECT FlowType, count(*) AS n, sum(BytesSrcToDest + BytesDestToSrc) AS bytes FROM NTANetAnalytics WHERE ${where} GROUP BY ALL`,
    );
    assert.ok(rows.length > 0, `${s.id}: no NTANetAnalytics rows`);
    assert.deepEqual(
      rows.map((r) => r.FlowType),
      [s.expectedFlowType],
      `${s.id}: flow types ${JSON.stringify(rows.map((r) => r.FlowType))}`,
    );
    // The ground truth counts every tuple, on every NIC that saw the flow (a firewall hop too).
    assert.equal(
      rows.reduce((a, r) => a + Number(r.bytes), 0),
      s.bytes,
      `${s.id}: bytes`,
    );
  }
});

test('byte totals of NTANetAnalytics and Flows equal the sums of the tuples', async () => {
  const tuples = await count(store, 'SELECT sum(BytesSrcToDest + BytesDestToSrc) FROM FlowTuples');
  assert.ok(tuples > 0);
  assert.equal(
    await count(store, 'SELECT sum(BytesSrcToDest + BytesDestToSrc) FROM NTANetAnalytics'),
    tuples,
  );
  assert.equal(await count(store, 'SELECT sum(BytesSrcToDest + BytesDestToSrc) FROM Flows'), tuples);
  assert.equal(
    await count(store, 'SELECT sum(Tuples) FROM Flows'),
    await count(store, 'SELECT count(*) FROM FlowTuples'),
  );
  // A connection is one row: no 5-tuple on one NIC has two open connections at once.
  assert.equal(
    await count(
      store,
      `SELECT count(*) FROM (SELECT MacAddress, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection
         FROM Flows WHERE State = 'open' GROUP BY ALL HAVING count(*) > 1)`,
    ),
    0,
  );
});

test('threat-feed addresses are MaliciousFlow in NTAIpDetails, with threat type and the DNS name they came from', async () => {
  const rows = await store.rows(
    `SELECT DISTINCT Ip, FlowType, ThreatType, DnsDomain, Location FROM NTAIpDetails WHERE Ip = '185.220.101.47'`,
  );
  assert.equal(rows.length, 1);
  assert.equal(rows[0].FlowType, 'MaliciousFlow');
  assert.equal(rows[0].ThreatType, 'C2');
  assert.equal(rows[0].DnsDomain, 'update-check.cdn-sync.net');
  assert.match(String(rows[0].Location), /^[A-Z]{2}$/);
  // Azure service addresses: AzurePublic with the service from the service tags and their region.
  const azure = await store.rows(
    `SELECT DISTINCT FlowType, PublicIpDetails, Location FROM NTAIpDetails WHERE Ip = '20.60.40.4'`,
  );
  assert.deepEqual(azure, [
    { FlowType: 'AzurePublic', PublicIpDetails: 'AzureStorage', Location: 'westeurope' },
  ]);
});

test("seed 001's named resources produce rows: 10.1.1.8 to 136.144.58.113, the web load balancer, the route table, on-premises", async () => {
  assert.ok(
    (await count(
      store,
      `SELECT count(*) FROM NTANetAnalytics WHERE SrcIp = '10.1.1.8' AND DestIp = '136.144.58.113'`,
    )) > 0,
  );
  assert.ok(
    (await count(
      store,
      `SELECT count(*) FROM NTANetAnalytics WHERE SrcLoadBalancer ILIKE '%web%' OR DestLoadBalancer ILIKE '%web%'`,
    )) > 0,
  );
  const routes = await store.rows(
    `SELECT split_part(Name, '/', 1) AS rg, split_part(Name, '/', 2) AS tbl, split_part(Name, '/', 3) AS route,
       NextHopType, NextHopIp FROM NTATopologyDetails WHERE AzureResourceType = 'Route' AND split_part(Name, '/', 1) = 'flowlogs'
     ORDER BY route`,
  );
  assert.ok(routes.length > 0);
  assert.ok(routes.some((r) => r.NextHopType === 'VirtualAppliance' && r.NextHopIp === '10.0.1.4'));
  // On-premises 10.4.0.0/16 reaches 10.1.0.0/16 over ExpressRoute: S2S, with the circuit named.
  const onprem = await store.rows(
    `SELECT DISTINCT FlowType, ConnectionType, coalesce(SrcExpressRouteCircuit, DestExpressRouteCircuit) AS circuit
     FROM NTANetAnalytics WHERE SrcIp LIKE '10.4.%' AND DestIp LIKE '10.1.%'`,
  );
  assert.ok(onprem.length > 0);
  for (const r of onprem) {
    assert.equal(r.FlowType, 'S2S');
    assert.equal(r.ConnectionType, 'ExpressRoute');
    assert.match(String(r.circuit), /\/er-ams-circuit$/);
  }
});

test('App Service egress is captured at the firewall NIC through the UDR: IsFlowCapturedAtUdrHop', async () => {
  const rows = await store.rows(
    `SELECT DISTINCT IsFlowCapturedAtUdrHop, SrcVm FROM NTANetAnalytics WHERE SrcIp IN ('10.1.3.4', '10.1.3.5')`,
  );
  assert.ok(rows.length > 0);
  assert.ok(rows.every((r) => r.IsFlowCapturedAtUdrHop === true));
  assert.ok(rows.every((r) => r.SrcVm === 'flowlogs/app-orders-api'));
  // jump-vm-1's exfiltration leaves through the firewall (the default route of flowlogs-rt): the
  // firewall NIC's rows are a UDR hop, the VM's own NIC's rows are not.
  const hops = await store.rows(
    `SELECT MacAddress, bool_and(IsFlowCapturedAtUdrHop) AS hop FROM NTANetAnalytics
     WHERE SrcIp = '10.1.1.8' AND DestIp = '136.144.58.113' GROUP BY ALL ORDER BY MacAddress`,
  );
  assert.deepEqual(
    hops.map((r) => [r.MacAddress, r.hop]),
    [
      ['000D3A4B1001', true],
      ['000D3A4B2004', false],
    ],
  );
});

test('a second build with no new tuples rebuilds nothing; rebuilding is idempotent', async () => {
  const before = await count(store, 'SELECT count(*) FROM NTANetAnalytics');
  const again = await buildAnalytics(store);
  assert.equal(again.rebuiltFrom, null);
  const full = await buildAnalytics(store, { full: true });
  assert.equal(full.full, true);
  assert.equal(await count(store, 'SELECT count(*) FROM NTANetAnalytics'), before);
});

test('an incremental build after more data arrives equals a full build over all of it', async () => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name === 'PT1H.json') files.push(join(d, e.name));
  };
  walk(join(env, 'blobs'));
  const hourOf = (f: string): string =>
    /\/y=(\d+)\/m=(\d+)\/d=(\d+)\/h=(\d+)\//.exec(f)?.slice(1).join('') ?? '';
  const hours = [...new Set(files.map(hourOf))].sort();
  const cut = hours[Math.floor(hours.length / 2)];
  const refs = [
    'topology.json',
    'service-tags.json',
    'threat-intel.stix.json',
    'threat-intel.txt',
    'dns',
  ].map((f) => join(env, f));
  // A: the first half, a build, then the second half (connections cross the cut) and an incremental build.
  const a = await memoryStore();
  await ingestPaths(a, [...refs, ...files.filter((f) => hourOf(f) < cut)]);
  await buildAnalytics(a);
  await ingestPaths(
    a,
    files.filter((f) => hourOf(f) >= cut),
  );
  const inc = await buildAnalytics(a);
  assert.equal(inc.full, false);
  // B: everything at once.
  const b = await memoryStore();
  await ingestPaths(b, [...refs, ...files]);
  await buildAnalytics(b);
  // Each row hashed whole (as a struct), summed so that order does not matter.
  const digest = async (s: Store, sql: string): Promise<string> =>
    JSON.stringify(
      await s.rows(`SELECT count(*) AS n, sum(hash(r)::HUGEINT) AS h FROM (${sql}) r`),
      (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
    );
  for (const sql of [
    'SELECT * EXCLUDE (TimeProcessed) FROM NTANetAnalytics',
    'SELECT * FROM NTAIpDetails',
    'SELECT * FROM Flows',
  ])
    assert.equal(await digest(a, sql), await digest(b, sql), sql);
});
