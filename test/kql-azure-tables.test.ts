import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { buildAnalytics } from '../src/analytics/build.js';
import { detectionScope } from '../src/detect/scope.js';
import { compileKql, KqlError, runKql } from '../src/kql/run.js';
import { loadAllowTable, setWindow } from '../src/store/duckdb/detect-store.js';
import { openDuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store, Value } from '../src/store/store.js';
import { generate } from '../src/synth/generate.js';
import { count, FIXTURES, ingestPaths, memoryStore, tempDir } from './helpers.js';

/**
 * The tables as Azure has them (issue 15, section 4): Sentinel's threat-intel tables, the legacy
 * AzureNetworkAnalytics_CL, the documented columns of the Traffic Analytics tables, published
 * queries over them run unmodified, and a clear refusal of the Azure tables vnetflow cannot fill.
 */

const END = new Date('2026-03-10T00:00:00Z');
let vnet: Store;
let nsg: Store;

/** An estate of the given format, its threat intel from the STIX bundle only. */
async function estate(format: 'vnet' | 'nsg'): Promise<Store> {
  const env = tempDir();
  generate({ out: env, seed: 11, hours: 24, end: END, scale: 0.2, format });
  // The plain IP list repeats the bundle's addresses without a validity: a published rule's
  // innerunique join may then keep either copy (as Kusto may), which would make its answer vary.
  rmSync(join(env, 'threat-intel.txt'));
  const store = await memoryStore();
  await ingestPaths(store, [env]);
  await buildAnalytics(store);
  return store;
}

before(async () => {
  vnet = await estate('vnet');
  nsg = await estate('nsg');
});
after(() => {
  vnet.close();
  nsg.close();
});

/** A query's rows as objects by column name. */
async function rowsOf(store: Store, kql: string): Promise<Record<string, Value>[]> {
  const t = await runKql(store, kql, END);
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c.name, r[i]])));
}

const PUBLISHED = join(FIXTURES, 'kql-published');

test('published Traffic Analytics and Sentinel queries run unmodified and return rows', async () => {
  const files = readdirSync(PUBLISHED).filter((f) => f.endsWith('.kql'));
  assert.ok(files.length >= 14, `${files.length} published queries`);
  for (const f of files) {
    const kql = readFileSync(join(PUBLISHED, f), 'utf8');
    // The legacy blob-path query needs NSG flow logs (its flow logs target NSGs); the rest run on
    // the VNet flow log estate, and the legacy table's queries on both.
    const stores = f === 'ta-legacy-blob-path.kql' ? [nsg] : f.startsWith('ta-legacy') ? [vnet, nsg] : [vnet];
    for (const store of stores) {
      const t = await runKql(store, kql, END);
      assert.ok(t.rows.length > 0, `${f}: no rows`);
    }
  }
});

test("Sentinel's TI map rule finds the allowed flows to indicator addresses in the last hour", async () => {
  const rows = await rowsOf(
    vnet,
    readFileSync(join(PUBLISHED, 'sentinel-ti-map-ip-azurenetworkanalytics.kql'), 'utf8'),
  );
  // The same matches, found directly: allowed MaliciousFlow rows of the last hour whose first
  // public address is an indicator of the feed.
  const expected =
    await vnet.rows(`SELECT DISTINCT split_part(split_part(coalesce(nullif(SrcPublicIps, ''), DestPublicIps), ' ', 1), '|', 1) AS ip
    FROM NTANetAnalytics WHERE FlowStatus = 'Allowed' AND TimeGenerated >= TIMESTAMP '2026-03-09 23:00:00'
      AND split_part(split_part(coalesce(nullif(SrcPublicIps, ''), DestPublicIps), ' ', 1), '|', 1) IN (SELECT Indicator FROM ThreatIntelFeed)`);
  assert.ok(expected.length > 0, 'the estate has allowed traffic to an indicator in its last hour');
  assert.deepEqual(rows.map((r) => r.TI_ipEntity).sort(), expected.map((r) => r.ip).sort());
  for (const r of rows) {
    assert.equal(r.FlowStatus_s, 'A');
    assert.match(String(r.Id), /^indicator--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(String(r.Description), /synthetic .* indicator/);
  }
});

test('ThreatIntelIndicators is one STIX indicator per loaded indicator; ThreatIntelligenceIndicator the legacy shape', async () => {
  const feed = await count(vnet, 'SELECT count(*) FROM ThreatIntelFeed');
  const stix = await rowsOf(
    vnet,
    'ThreatIntelIndicators | project Id, ObservableKey, ObservableValue, Pattern, Data, IsActive, Tags',
  );
  assert.equal(stix.length, feed);
  for (const r of stix) {
    const kind = String(r.ObservableKey).replace(/:value$/, '');
    assert.ok(['ipv4-addr', 'ipv6-addr', 'domain-name'].includes(kind), String(r.ObservableKey));
    assert.equal(r.Pattern, `[${kind}:value = '${String(r.ObservableValue)}']`);
    const data = JSON.parse(String(r.Data)) as Record<string, unknown>;
    assert.equal(data.type, 'indicator');
    assert.equal(data.id, r.Id);
    assert.equal(data.pattern, r.Pattern);
    assert.equal(r.IsActive, true);
    assert.ok(Array.isArray(JSON.parse(String(r.Tags))));
  }
  const legacy = await rowsOf(
    vnet,
    'ThreatIntelligenceIndicator | project NetworkIP, DomainName, ExternalIndicatorId, Active, ExpirationDateTime',
  );
  assert.equal(legacy.length, feed);
  for (const r of legacy) {
    // Exactly one observable column holds the indicator.
    assert.equal([r.NetworkIP, r.DomainName].filter((x) => x !== '').length, 1);
    assert.ok(r.ExternalIndicatorId === r.NetworkIP || r.ExternalIndicatorId === r.DomainName);
  }
  // Kusto's type for the STIX object is dynamic: its properties read directly.
  const described = await rowsOf(
    vnet,
    'ThreatIntelIndicators | extend d = tostring(Data.description) | where isnotempty(d) | count',
  );
  assert.equal(described[0].Count, feed);
});

test('AzureNetworkAnalytics_CL holds the NTANetAnalytics rows in the legacy spelling', async () => {
  const flowRows = await count(vnet, 'SELECT count(*) FROM NTANetAnalytics');
  const legacy = await rowsOf(
    vnet,
    `AzureNetworkAnalytics_CL | where SubType_s == "FlowLog"
     | summarize n = count(), dirs = make_set(FlowDirection_s), statuses = make_set(FlowStatus_s),
         bad = countif(FlowCount_d != AllowedInFlows_d + DeniedInFlows_d + AllowedOutFlows_d + DeniedOutFlows_d),
         publicWithIp = countif(FlowType_s in ("AzurePublic", "ExternalPublic") and (isnotempty(SrcIP_s) or isnotempty(DestIP_s))),
         publicWithoutList = countif(FlowType_s in ("AzurePublic", "ExternalPublic", "MaliciousFlow") and isempty(PublicIPs_s)),
         oneSidedWithoutVm = countif(FlowType_s in ("AzurePublic", "ExternalPublic") and isempty(VMIP_s))`,
  );
  const r = legacy[0];
  assert.equal(r.n, flowRows);
  assert.deepEqual(JSON.parse(String(r.dirs)), ['I', 'O']);
  assert.deepEqual(JSON.parse(String(r.statuses)), ['A', 'D']);
  assert.equal(r.bad, 0);
  assert.equal(r.publicWithIp, 0);
  assert.equal(r.publicWithoutList, 0);
  assert.equal(r.oneSidedWithoutVm, 0);
  // Topology rows ride along, as the legacy table had them.
  const topo = await rowsOf(
    nsg,
    'AzureNetworkAnalytics_CL | where SubType_s == "Topology" and ResourceType == "NetworkSecurityGroup" and IsFlowEnabled_b | project Name_s, FlowLogStorageAccount_s',
  );
  assert.ok(topo.length > 0);
  for (const t of topo) assert.equal(String(t.FlowLogStorageAccount_s).split('/').length, 3);
});

test('NTANetAnalytics has every documented column: Nsg* for NSG flow logs only, Type and SourceSystem everywhere', async () => {
  const v = await rowsOf(
    vnet,
    'NTANetAnalytics | summarize withNsg = countif(isnotempty(NsgList)), types = make_set(Type), systems = make_set(SourceSystem), statuses = make_set(Status)',
  );
  assert.equal(v[0].withNsg, 0);
  assert.deepEqual(JSON.parse(String(v[0].types)), ['NTANetAnalytics']);
  assert.deepEqual(JSON.parse(String(v[0].systems)), ['Azure']);
  const n = await rowsOf(
    nsg,
    `NTANetAnalytics | summarize rows = count(), withNsg = countif(NsgList == TargetResourceId and NsgRule == AclRule),
       kinds = make_set(NsgRuleType)`,
  );
  assert.equal(n[0].withNsg, n[0].rows);
  for (const k of JSON.parse(String(n[0].kinds)) as string[])
    assert.ok(['Default', 'User Defined'].includes(k));
  const ip = await rowsOf(vnet, 'NTAIpDetails | summarize types = make_set(Type), sub = make_set(SubType)');
  assert.deepEqual(JSON.parse(String(ip[0].types)), ['NTAIpDetails']);
  assert.deepEqual(JSON.parse(String(ip[0].sub)), ['FlowLog']);
});

test('NTATopologyDetails fills the documented NSG rule, peering and NIC columns from the ARM resources', async () => {
  const rules = await rowsOf(
    vnet,
    'NTATopologyDetails | where AzureResourceType == "NetworkSecurityGroupRule" | project Name, Access, Direction, Priority, RuleType, Nsg',
  );
  assert.ok(rules.length > 0);
  for (const r of rules) {
    assert.ok(['Allow', 'Deny'].includes(String(r.Access)), String(r.Access));
    assert.ok(['Inbound', 'Outbound'].includes(String(r.Direction)));
    assert.equal(typeof r.Priority, 'number');
    assert.ok(String(r.Name).startsWith(`${String(r.Nsg)}/`));
  }
  const peerings = await rowsOf(
    vnet,
    'NTATopologyDetails | where AzureResourceType == "VirtualNetworkPeering" | project VirtualNetwork1, VirtualNetwork2, State',
  );
  assert.ok(peerings.length > 0);
  for (const p of peerings) {
    assert.notEqual(p.VirtualNetwork1, p.VirtualNetwork2);
    assert.equal(p.State, 'Connected');
  }
  const nics = await rowsOf(
    vnet,
    'NTATopologyDetails | where AzureResourceType == "NetworkInterface" | summarize withSubnet = countif(isnotempty(Subnetwork)), all = count()',
  );
  assert.equal(nics[0].withSubnet, nics[0].all);
});

test('DNSQueryLogs.Answer is dynamic and the documented columns exist', async () => {
  const t = await runKql(
    vnet,
    'DNSQueryLogs | take 1 | project Answer, OperationName, QueryClass, Type',
    END,
  );
  assert.deepEqual(
    t.columns.map((c) => c.type),
    ['dynamic', 'string', 'string', 'string'],
  );
  const expanded = await rowsOf(
    vnet,
    'DNSQueryLogs | where ResponseCode == 0 | mv-expand Answer | extend RData = tostring(Answer.RData) | where isnotempty(RData) | count',
  );
  assert.ok(Number(expanded[0].Count) > 0);
});

test('an Azure table vnetflow cannot fill is refused by name, saying what it holds', async () => {
  await assert.rejects(
    runKql(vnet, 'NTANetAnalytics | take 1 | union (AzureActivity | take 1)', END),
    (e: unknown) =>
      e instanceof KqlError &&
      /AzureActivity is an Azure table vnetflow does not fill: it holds Azure activity log events/.test(
        e.message,
      ) &&
      e.diagnostics[0].start === 'NTANetAnalytics | take 1 | union ('.length,
  );
  // A name that is not an Azure table keeps Kusto's own message.
  await assert.rejects(runKql(vnet, 'NoSuchTable | take 1', END), /NoSuchTable/);
});

test('a database written before these tables is upgraded when a writer opens it', async () => {
  const dir = tempDir();
  const path = join(dir, 'old.duckdb');
  // The shapes of the previous release: the feeds in ThreatIntelIndicators, Answer as text.
  const old = await DuckDBInstance.create(path);
  const conn = await old.connect();
  await conn.run(`CREATE TABLE ThreatIntelIndicators (Indicator VARCHAR, IndicatorType VARCHAR, ThreatType VARCHAR,
    Description VARCHAR, Confidence INTEGER, Source VARCHAR, ValidFrom TIMESTAMP, ValidUntil TIMESTAMP,
    RangeStart UBIGINT, RangeEnd UBIGINT)`);
  await conn.run(`INSERT INTO ThreatIntelIndicators VALUES ('203.0.113.7', 'ipv4', 'C2', 'old feed', 80, 'feed.txt',
    NULL, NULL, 3405803783, 3405803783)`);
  await conn.run(`CREATE TABLE DNSQueryLogs (TimeGenerated TIMESTAMP, QueryName VARCHAR, QueryType VARCHAR,
    ResponseCode INTEGER, Answer VARCHAR, SourceIpAddress VARCHAR, SourcePort INTEGER, Transport VARCHAR,
    ResolutionPath VARCHAR, ResolverPolicyId VARCHAR, ResolverPolicyRuleAction VARCHAR, VirtualNetworkId VARCHAR,
    Region VARCHAR, SourceUri VARCHAR)`);
  await conn.run(`INSERT INTO DNSQueryLogs (TimeGenerated, QueryName, Answer) VALUES
    (TIMESTAMP '2026-03-09 10:00:00', 'a.example.', '[{"RData":"203.0.113.7","Type":"A"}]')`);
  conn.closeSync();
  old.closeSync();
  const store = await openDuckDBStore({ path });
  try {
    assert.equal(await count(store, 'SELECT count(*) FROM ThreatIntelFeed'), 1);
    const stix = await rowsOf(store, 'ThreatIntelIndicators | project ObservableKey, ObservableValue, Type');
    assert.deepEqual(stix, [
      { ObservableKey: 'ipv4-addr:value', ObservableValue: '203.0.113.7', Type: 'ThreatIntelIndicators' },
    ]);
    const dns = await rowsOf(
      store,
      'DNSQueryLogs | mv-expand Answer | project RData = tostring(Answer.RData), Type',
    );
    assert.deepEqual(dns, [{ RData: '203.0.113.7', Type: 'DNSQueryLogs' }]);
  } finally {
    store.close();
  }
});

test('a scheduled rule reads AzureNetworkAnalytics_CL within its window, allow-listed public addresses left out', async () => {
  const from = new Date('2026-03-09T10:00:00Z');
  const to = new Date('2026-03-09T13:00:00Z');
  const window = `FlowIntervalStartTime >= TIMESTAMP '2026-03-09 10:00:00' AND FlowIntervalStartTime < TIMESTAMP '2026-03-09 13:00:00'`;
  // The public address seen most in the window: it lives only in PublicIPs_s of the legacy rows.
  const [top] =
    await vnet.rows(`SELECT split_part(split_part(DestPublicIps, ' ', 1), '|', 1) AS ip, count(*) AS n
    FROM NTANetAnalytics WHERE ${window} AND FlowType = 'ExternalPublic' AND DestPublicIps <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`);
  await loadAllowTable(vnet, 'allow_legacy_test', [String(top.ip)]);
  const compiled = compileKql(
    'AzureNetworkAnalytics_CL | summarize n = count(), lo = min(FlowIntervalStartTime_t), hi = max(FlowIntervalStartTime_t)',
    new Date(0),
    detectionScope({ allowTable: 'allow_legacy_test', ports: [] }),
  );
  await setWindow(vnet, from, to);
  const [row] = await vnet.rows(compiled.sql);
  const all = await count(vnet, `SELECT count(*) FROM NTANetAnalytics WHERE ${window}`);
  const allowed = await count(
    vnet,
    `SELECT count(*) FROM NTANetAnalytics WHERE ${window} AND (SrcIp = '${String(top.ip)}' OR DestIp = '${String(top.ip)}')`,
  );
  assert.ok(allowed > 0 && allowed < all);
  assert.equal(Number(row.n), all - allowed);
  assert.ok(String(row.lo) >= '2026-03-09 10:00:00' && String(row.hi) < '2026-03-09 13:00:00');
});
