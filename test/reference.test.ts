import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildAnalytics } from '../src/analytics/build.js';
import { refreshTopologyTables } from '../src/analytics/topology-tables.js';
import { defaultCountryDb } from '../src/enrich/geo.js';
import { ipv4ToNumber } from '../src/enrich/ip.js';
import { CLI, count, ingestPaths, memoryStore, put, tempDir, v4Blob } from './helpers.js';

const vnet = (name: string, prefix: string): unknown => ({
  id: `/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/${name}`,
  name,
  type: 'Microsoft.Network/virtualNetworks',
  location: 'westeurope',
  properties: { addressSpace: { addressPrefixes: [prefix] }, subnets: [] },
});

test('topology: Resource Graph shape loads; a newer version replaces; a malformed file keeps the old data and says where', async () => {
  const dir = tempDir();
  const file = put(
    join(dir, 'resources.json'),
    JSON.stringify({ count: 2, data: [vnet('a', '10.0.0.0/16'), vnet('b', '10.1.0.0/16')] }),
  );
  const store = await memoryStore();
  const first = await ingestPaths(store, [file]);
  assert.equal(first.sources[0].status, 'loaded');
  assert.equal(await count(store, 'SELECT count(*) FROM _topology'), 2);
  // The tables that follow from the topology alone are built by the load, not left to analytics.
  const vnetRows = `SELECT count(*) FROM NTATopologyDetails WHERE AzureResourceType = 'VirtualNetwork'`;
  const range = (prefix: string): string =>
    `SELECT count(*) FROM _lk_ranges WHERE RangeStart = ${ipv4ToNumber(prefix)}`;
  assert.equal(await count(store, vnetRows), 2);
  assert.equal(await count(store, range('10.1.0.0')), 1);
  assert.equal(await refreshTopologyTables(store), false, 'unchanged topology: nothing to rebuild');
  // A newer export of the same file: one VNet fewer, one changed. Replaced, never duplicated.
  writeFileSync(file, JSON.stringify([vnet('a', '10.9.0.0/16')]));
  await ingestPaths(store, [file]);
  assert.equal(await count(store, 'SELECT count(*) FROM _topology'), 1);
  assert.equal(await count(store, vnetRows), 1);
  assert.deepEqual([await count(store, range('10.1.0.0')), await count(store, range('10.9.0.0'))], [0, 1]);
  assert.equal(
    await count(
      store,
      `SELECT count(*) FROM _topology WHERE Properties->>'$.addressSpace.addressPrefixes[0]' = '10.9.0.0/16'`,
    ),
    1,
  );
  // Broken JSON: rejected with its byte position, and the loaded topology stays.
  const broken =
    '[{"id": "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/c", "type": "Microsoft.Network/virtualNetworks",, }]';
  writeFileSync(file, broken);
  const bad = await ingestPaths(store, [file]);
  assert.equal(bad.sources[0].status, 'rejected');
  assert.match(String(bad.sources[0].note), /resources\.json \(byte \d+\): invalid JSON/);
  const [e] = await store.rows(`SELECT Level, ByteOffset, Reason FROM IngestErrors`);
  assert.equal(e.Level, 'file');
  assert.equal(broken[Number(e.ByteOffset)], ',', 'the offset points at the stray comma');
  assert.equal(await count(store, 'SELECT count(*) FROM _topology'), 1);
});

test('threat intel: plain list with comments, CSV with a header, STIX; a bad line is reported with its offset', async () => {
  const dir = tempDir();
  put(
    join(dir, 'feed.txt'),
    '# my feed\n203.0.113.7 # c2 server\n198.51.100.0/24 # scanner proxy\nevil.example.com\n',
  );
  put(join(dir, 'feed.csv'), 'indicator,threat_type,confidence\n192.0.2.55,botnet,80\n');
  put(
    join(dir, 'bundle.json'),
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--1',
      objects: [
        {
          type: 'indicator',
          id: 'indicator--1',
          pattern: "[ipv4-addr:value = '192.0.2.99'] OR [domain-name:value = 'bad.example.net']",
          labels: ['phishing'],
          confidence: 60,
          valid_from: '2026-01-01T00:00:00Z',
          valid_until: '2026-12-31T00:00:00Z',
        },
      ],
    }),
  );
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.deepEqual(
    s.sources.map((x) => x.status),
    ['loaded', 'loaded', 'loaded'],
  );
  const rows = await store.rows(
    `SELECT Indicator, IndicatorType, ThreatType, Confidence, ValidUntil::VARCHAR AS until, RangeEnd - RangeStart AS span
     FROM ThreatIntelFeed ORDER BY Indicator`,
  );
  const by = new Map(rows.map((r) => [String(r.Indicator), r]));
  assert.equal(by.get('203.0.113.7')?.ThreatType, 'C2');
  assert.equal(by.get('198.51.100.0/24')?.IndicatorType, 'cidr');
  assert.equal(Number(by.get('198.51.100.0/24')?.span), 255);
  assert.equal(by.get('evil.example.com')?.IndicatorType, 'domain');
  assert.equal(by.get('192.0.2.55')?.ThreatType, 'Botnet');
  assert.equal(by.get('192.0.2.55')?.Confidence, 80);
  assert.equal(by.get('192.0.2.99')?.ThreatType, 'Phishing');
  assert.equal(by.get('192.0.2.99')?.until, '2026-12-31 00:00:00');
  assert.equal(by.get('bad.example.net')?.IndicatorType, 'domain');
  // A line that is no indicator rejects the file (the previous rows of that feed stay).
  const text = '203.0.113.7\nnot an address\n';
  put(join(dir, 'feed.txt'), text);
  const bad = await ingestPaths(store, [join(dir, 'feed.txt')]);
  assert.equal(bad.sources[0].status, 'rejected');
  const [e] = await store.rows(`SELECT ByteOffset FROM IngestErrors`);
  assert.equal(Number(e.ByteOffset), text.indexOf('not an address'));
  assert.equal(await count(store, `SELECT count(*) FROM ThreatIntelFeed WHERE Source LIKE '%feed.txt'`), 3);
});

test('DNS query logs keep Answer as a JSON array; --kind forces a kind; a bad --kind is a usage error', () => {
  const dir = tempDir();
  const db = join(dir, 'x.duckdb');
  const log = put(
    join(dir, 'dns.log'),
    [
      {
        time: '2026-03-09T10:00:00.1234567Z',
        properties: {
          QueryName: 'a.example.com.',
          QueryType: 'A',
          ResponseCode: 0,
          Answer: [{ RData: '192.0.2.1', Type: 'A' }],
          SourceIpAddress: '10.0.0.4',
        },
      },
      {
        time: '2026-03-09T10:00:01Z',
        properties: {
          QueryName: 'nx.example.com.',
          QueryType: 'A',
          ResponseCode: 3,
          Answer: [],
          SourceIpAddress: '10.0.0.4',
        },
      },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n'),
  );
  const run = (...args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  const ok = run('ingest', '--db', db, '--no-analytics', '--kind', 'dns-logs', log);
  assert.equal(ok.status, 0, String(ok.stderr));
  const out = run(
    'sql',
    '--db',
    db,
    '--format',
    'json',
    'SELECT QueryName, Answer, ResponseCode FROM DNSQueryLogs ORDER BY QueryName',
  );
  const rows = JSON.parse(String(out.stdout)) as {
    QueryName: string;
    Answer: string;
    ResponseCode: number;
  }[];
  assert.deepEqual(JSON.parse(rows[0].Answer), [{ RData: '192.0.2.1', Type: 'A' }]);
  assert.equal(rows[1].Answer, '[]');
  const bad = run('ingest', '--db', db, '--kind', 'pcap', log);
  assert.equal(bad.status, 2);
  assert.match(String(bad.stderr), /--kind must be flow-logs or one of topology, service-tags/);
});

test('application gateways and private endpoints from the topology name the flows that reach them', async () => {
  const dir = tempDir();
  const sub = '/subscriptions/s1/resourceGroups/rg1/providers';
  put(
    join(dir, 'topology.json'),
    JSON.stringify([
      {
        id: `${sub}/Microsoft.Network/virtualNetworks/v1`,
        name: 'v1',
        type: 'Microsoft.Network/virtualNetworks',
        location: 'westeurope',
        properties: {
          addressSpace: { addressPrefixes: ['10.9.0.0/16'] },
          subnets: [{ name: 's', properties: { addressPrefix: '10.9.0.0/24' } }],
        },
      },
      {
        id: `${sub}/Microsoft.Network/applicationGateways/agw1`,
        name: 'agw1',
        type: 'Microsoft.Network/applicationGateways',
        location: 'westeurope',
        properties: {
          frontendIPConfigurations: [{ properties: { privateIPAddress: '10.9.0.10' } }],
          backendAddressPools: [{ properties: { backendAddresses: [{ ipAddress: '10.9.0.20' }] } }],
        },
      },
      {
        id: `${sub}/Microsoft.Network/networkInterfaces/pe-nic`,
        name: 'pe-nic',
        type: 'Microsoft.Network/networkInterfaces',
        location: 'westeurope',
        properties: {
          macAddress: '00-0D-3A-00-00-09',
          privateEndpoint: { id: `${sub}/Microsoft.Network/privateEndpoints/pe-sql` },
          ipConfigurations: [
            {
              properties: {
                privateIPAddress: '10.9.0.30',
                subnet: { id: `${sub}/Microsoft.Network/virtualNetworks/v1/subnets/s` },
              },
            },
          ],
        },
      },
    ]),
  );
  put(
    join(dir, 'PT1H.json'),
    v4Blob([
      {
        mac: '000D3A000001',
        tuples: [
          '1663146003599,10.9.0.5,10.9.0.10,40000,443,6,O,B,NX,0,0,0,0',
          '1663146003599,10.9.0.10,10.9.0.20,40001,8080,6,O,B,NX,0,0,0,0',
          '1663146003599,10.9.0.5,10.9.0.30,40002,1433,6,O,B,NX,0,0,0,0',
        ],
      },
    ]),
  );
  const store = await memoryStore();
  await ingestPaths(store, [dir]);
  await buildAnalytics(store);
  const rows = await store.rows(
    `SELECT DestPort, FlowType, SrcApplicationGateway, DestApplicationGateway, PrivateEndpointResourceId
     FROM NTANetAnalytics ORDER BY DestPort`,
  );
  assert.deepEqual(rows, [
    {
      DestPort: 443,
      FlowType: 'IntraVNet',
      SrcApplicationGateway: null,
      DestApplicationGateway: 's1/rg1/agw1',
      PrivateEndpointResourceId: null,
    },
    {
      DestPort: 1433,
      FlowType: 'IntraVNet',
      SrcApplicationGateway: null,
      DestApplicationGateway: null,
      PrivateEndpointResourceId: 's1/rg1/pe-sql',
    },
    {
      DestPort: 8080,
      FlowType: 'IntraVNet',
      SrcApplicationGateway: 's1/rg1/agw1',
      DestApplicationGateway: 's1/rg1/agw1',
      PrivateEndpointResourceId: null,
    },
  ]);
});

test('a MaxMind database is recognised by content; if it later goes missing, the build falls back to the bundled one', async () => {
  const dir = tempDir();
  const mmdb = join(dir, 'countries.mmdb');
  copyFileSync(defaultCountryDb(), mmdb);
  put(
    join(dir, 'PT1H.json'),
    v4Blob([{ tuples: ['1663146003599,10.0.0.6,140.82.121.4,23956,443,6,O,B,NX,0,0,0,0'] }]),
  );
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  const geo = s.sources.find((x) => x.uri.endsWith('countries.mmdb'));
  assert.equal(geo?.status, 'loaded');
  assert.equal(geo?.format, 'geo-db');
  assert.equal(
    await count(store, `SELECT count(*) FROM _settings WHERE key = 'geo.country' AND value = '${mmdb}'`),
    1,
  );
  rmSync(mmdb);
  await buildAnalytics(store);
  const [row] = await store.rows(`SELECT Location FROM NTAIpDetails WHERE Ip = '140.82.121.4'`);
  assert.equal(row.Location, 'US');
});
