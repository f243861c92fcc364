import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  accountingHolds,
  count,
  FIXTURES,
  ingestPaths,
  memoryStore,
  nsgBlob,
  put,
  tempDir,
  v4Blob,
} from './helpers.js';

test('seed 004 records blob ingests to exactly its 19 tuples, typed', async () => {
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(FIXTURES, 'seeds', 'seed004-vnet-v4.json')]);
  assert.equal(s.tuplesStored, 19);
  assert.equal(s.tuplesRejected, 0);
  const [row] = await store.rows(`SELECT * FROM FlowTuples WHERE SrcPort = 36776 AND FlowState = 'E'`);
  assert.equal(row.TimeGenerated, '2022-09-14 09:00:22.793');
  assert.equal(row.RecordTime, '2022-09-14 09:00:52.562508');
  assert.equal(row.SrcIp, '10.0.0.6');
  assert.equal(row.DestIp, '198.51.100.84');
  assert.equal(row.Protocol, 6);
  assert.equal(row.L4Protocol, 'T');
  assert.equal(row.FlowDirection, 'Outbound');
  assert.equal(row.FlowStatus, 'Allowed');
  assert.equal(row.FlowEncryption, 'NX');
  assert.deepEqual(
    [row.PacketsSrcToDest, row.BytesSrcToDest, row.PacketsDestToSrc, row.BytesDestToSrc],
    [22, 2217, 33, 32466],
  );
  assert.equal(row.AclId, '00aa00aa-bb11-cc22-dd33-44ee44ee44ee');
  assert.equal(row.AclRule, 'DefaultRule_AllowInternetOutBound');
  assert.equal(row.MacAddress, '112233445566');
  assert.match(String(row.FlowLogResourceId), /FLOWLOGS\/VNETFLOWLOG$/);
  assert.equal(
    await count(store, `SELECT count(*) FROM FlowTuples WHERE FlowStatus = 'Denied' AND FlowState = 'D'`),
    9,
  );
  assert.equal(await count(store, `SELECT count(*) FROM FlowTuples WHERE AclRule = 'Internet'`), 7);
});

test('seed 002 flattened objects (pretty-printed, concatenated) ingest to their 6 tuples', async () => {
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(FIXTURES, 'seeds', 'seed002-flattened.json')]);
  assert.equal(s.tuplesStored, 6);
  assert.ok(accountingHolds(s));
  const rows = await store.rows(
    `SELECT AclId, AclRule, FlowState, TimeGenerated FROM FlowTuples ORDER BY TimeGenerated`,
  );
  assert.deepEqual(
    rows.map((r) => r.FlowState),
    ['D', 'D', 'D', 'B', 'E', 'D'],
  );
  assert.equal(rows[0].AclId, 'aclID2');
  // The tuple time, not the record time (2025-04-30), is TimeGenerated.
  assert.equal(rows[3].TimeGenerated, '2022-09-14 09:00:03.599');
});

test('every tuple field variant: seconds, empty counters, IPv6, encryption codes, other protocols, unspecified', async () => {
  const dir = tempDir();
  const codes = [
    'X',
    'NX',
    'NX_HW_NOT_SUPPORTED',
    'NX_SW_NOT_READY',
    'NX_NOT_ACCEPTED',
    'NX_NOT_SUPPORTED',
    'NX_LOCAL_DST',
    'NX_FALLBACK',
  ];
  const tuples = [
    '1663146003,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,,,,',
    '1663146003599,fd00::6,2001:db8::1,23956,443,17,O,E,X,1,100,2,200',
    '1663146003599,10.0.0.6,10.0.0.7,0,0,1,O,C,NX,3,300,3,300',
    '1663146003599,10.0.0.6,10.0.0.9,0,0,47,I,E,NX,5,500,0,0',
    ...codes.map((c, i) => `166314600${i}000,10.0.0.6,10.0.0.8,${40000 + i},443,6,I,D,${c},0,0,0,0`),
  ];
  put(
    join(dir, 'a.json'),
    v4Blob([
      { tuples },
      {
        acl: 'unspecified',
        rule: 'unspecified',
        tuples: ['1663146009000,10.0.0.9,10.0.0.6,1234,443,6,I,D,NX_NOT_ACCEPTED,0,0,0,0'],
      },
    ]),
  );
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(
    s.tuplesRejected,
    0,
    JSON.stringify(await store.rows('SELECT Reason, RawText FROM IngestErrors')),
  );
  assert.equal(s.tuplesStored, tuples.length + 1);
  const [secs] = await store.rows(
    `SELECT TimeGenerated, PacketsSrcToDest, BytesDestToSrc FROM FlowTuples WHERE DestIp = '192.0.2.180'`,
  );
  assert.deepEqual(secs, { TimeGenerated: '2022-09-14 09:00:03', PacketsSrcToDest: 0, BytesDestToSrc: 0 });
  assert.equal(
    await count(store, `SELECT count(*) FROM FlowTuples WHERE SrcIp = 'fd00::6' AND L4Protocol = 'U'`),
    1,
  );
  assert.equal(
    await count(store, `SELECT count(*) FROM FlowTuples WHERE Protocol = 47 AND L4Protocol = '47'`),
    1,
  );
  assert.equal(
    await count(store, `SELECT count(*) FROM FlowTuples WHERE Protocol = 1 AND L4Protocol = 'I'`),
    1,
  );
  assert.equal(await count(store, `SELECT count(DISTINCT FlowEncryption) FROM FlowTuples`), codes.length);
  assert.equal(
    await count(
      store,
      `SELECT count(*) FROM FlowTuples WHERE AclId = 'unspecified' AND AclRule = 'unspecified'`,
    ),
    1,
  );
});

test('NSG v1 and v2, gzip and NDJSON are recognised by content, not by name', async () => {
  const dir = tempDir();
  put(
    join(dir, 'v1.data'),
    nsgBlob(1, [
      '1487282421,42.119.146.95,10.1.0.4,51529,5358,T,I,D',
      '1487282370,10.1.0.4,13.67.143.118,50537,443,T,O,A',
    ]),
  );
  put(
    join(dir, 'v2.bin'),
    gzipSync(
      nsgBlob(2, [
        '1542110377,10.0.0.4,13.67.143.118,44931,443,T,O,A,B,,,,',
        '1542110437,10.0.0.4,13.67.143.118,44931,443,T,O,A,E,15,8489,12,7054',
      ]),
    ),
  );
  const flat = readFileSync(join(FIXTURES, 'seeds', 'seed002-flattened.json'), 'utf8');
  const objects = flat
    .split(/\n(?=\{)/)
    .filter((o) => o.trim())
    .map((o) => JSON.stringify(JSON.parse(o)));
  put(join(dir, 'flat.ndjson'), objects.join('\n') + '\n');
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(dir, 'v1.data'), join(dir, 'v2.bin'), join(dir, 'flat.ndjson')]);
  assert.equal(s.tuplesRejected, 0, JSON.stringify(await store.rows('SELECT Reason FROM IngestErrors')));
  assert.equal(s.tuplesStored, 2 + 2 + 6);
  const v1 = await store.rows(
    `SELECT FlowState, FlowStatus, PacketsSrcToDest, MacAddress FROM FlowTuples WHERE FlowLogVersion = 1 ORDER BY SrcPort`,
  );
  assert.deepEqual(v1, [
    { FlowState: null, FlowStatus: 'Allowed', PacketsSrcToDest: null, MacAddress: '000D3AF87856' },
    { FlowState: 'D', FlowStatus: 'Denied', PacketsSrcToDest: null, MacAddress: '000D3AF87856' },
  ]);
  const [e] = await store.rows(
    `SELECT BytesSrcToDest, BytesDestToSrc, Protocol FROM FlowTuples WHERE FlowLogVersion = 2 AND FlowState = 'E'`,
  );
  assert.deepEqual(e, { BytesSrcToDest: 8489, BytesDestToSrc: 7054, Protocol: 6 });
});

test('a directory tree in the storage layout keeps MAC and flow-log id from the path', async () => {
  const dir = tempDir();
  const path = join(
    dir,
    'flowLogResourceID=/SUBSCRIPTIONS/S/FLOWLOGS/FL1/y=2022/m=09/d=14/h=09/m=00/macAddress=AABBCCDDEEFF/PT1H.json',
  );
  const blob = JSON.parse(
    v4Blob([{ tuples: ['1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0'] }]),
  );
  delete blob.records[0].macAddress;
  delete blob.records[0].flowLogResourceID;
  put(path, JSON.stringify(blob));
  put(join(dir, 'notes.txt'), 'not a flow log');
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 1);
  const [row] = await store.rows('SELECT MacAddress, FlowLogResourceId, SourceUri FROM FlowTuples');
  assert.equal(row.MacAddress, 'AABBCCDDEEFF');
  assert.equal(row.FlowLogResourceId, '/SUBSCRIPTIONS/S/FLOWLOGS/FL1');
  assert.match(String(row.SourceUri), /^file:\/\/.*macAddress=AABBCCDDEEFF\/PT1H\.json$/);
});
