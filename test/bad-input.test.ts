import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { accountingHolds, CLI, count, ingestPaths, memoryStore, put, tempDir, v4Blob } from './helpers.js';

const GOOD = '1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0';

test('each kind of bad tuple becomes an IngestErrors row with where and why; good tuples beside it are stored', async () => {
  const dir = tempDir();
  const bad: [string, RegExp][] = [
    [
      '1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,0,0',
      /expected 13 comma-separated fields, found 11/,
    ],
    ['1663146003599,10.0.0.6,192.0.2.180,http,443,6,O,B,NX,0,0,0,0', /bad source port: http/],
    ['1663146003599,10.0.0.999,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0', /bad source IP: 10.0.0.999/],
    ['1663146003599,10.0.0.6,192.0.2.180,23956,443,6,X,B,NX,0,0,0,0', /unknown direction: X/],
    ['1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,Q,NX,0,0,0,0', /unknown flow state: Q/],
    ['abc,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0', /bad time: abc/],
    ['1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,E,NX,-1,0,0,0', /bad counter/],
  ];
  const path = put(
    join(dir, 'PT1H.json'),
    v4Blob([{ tuples: [GOOD, ...bad.map((b) => b[0]), GOOD.replace('23956', '23957')] }]),
  );
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 2);
  assert.equal(s.tuplesRejected, bad.length);
  assert.ok(accountingHolds(s));
  const errors = await store.rows(`SELECT * FROM IngestErrors ORDER BY TupleIndex`);
  assert.equal(errors.length, bad.length);
  const text = readFileSync(path, 'utf8');
  errors.forEach((e, i) => {
    assert.match(String(e.Reason), bad[i][1]);
    assert.equal(e.RawText, bad[i][0]);
    assert.equal(e.RecordIndex, 0);
    assert.equal(e.TupleIndex, i + 1);
    assert.equal(e.Level, 'tuple');
    // The byte offset points at the tuple's JSON string in the file.
    assert.equal(
      text.slice(Number(e.ByteOffset), Number(e.ByteOffset) + bad[i][0].length + 1),
      `"${bad[i][0]}`,
    );
  });
});

test("a bad tuple deep in a record (second flow, second group) gets its index across all of the record's groups", async () => {
  const dir = tempDir();
  const t = (port: number): string => GOOD.replace('23956', String(port));
  const badTuple = t(4).replace('10.0.0.6', '10.0.0.300');
  const record = JSON.parse(v4Blob([{ tuples: [] }])).records[0] as Record<string, unknown>;
  record.flowRecords = {
    flows: [
      {
        aclID: 'acl-a',
        flowGroups: [
          { rule: 'r1', flowTuples: [t(1), t(2)] },
          { rule: 'r2', flowTuples: [] },
        ],
      },
      {
        aclID: 'acl-b',
        flowGroups: [
          { rule: 'r3', flowTuples: [t(3)] },
          { rule: 'r4', flowTuples: [t(5), badTuple] },
        ],
      },
    ],
  };
  // A second record, all good, so the index is per record.
  const second = {
    ...record,
    flowRecords: { flows: [{ aclID: 'acl-c', flowGroups: [{ rule: 'r5', flowTuples: [t(6)] }] }] },
  };
  put(join(dir, 'PT1H.json'), JSON.stringify({ records: [second, record] }));
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 5);
  assert.equal(s.tuplesRejected, 1);
  const [e] = await store.rows('SELECT RecordIndex, TupleIndex, Reason, RawText FROM IngestErrors');
  assert.equal(e.RecordIndex, 1);
  // Tuples before it in document order: r1 (2), r2 (0), r3 (1), then position 1 in r4.
  assert.equal(e.TupleIndex, 4);
  assert.match(String(e.Reason), /bad source IP: 10.0.0.300/);
  assert.equal(e.RawText, badTuple);
  // Each stored tuple keeps its own group's ACL and rule.
  const rules = await store.rows('SELECT AclId, AclRule, SrcPort FROM FlowTuples ORDER BY SrcPort');
  assert.deepEqual(
    rules.map((r) => `${String(r.AclId)}/${String(r.AclRule)}/${Number(r.SrcPort)}`),
    ['acl-a/r1/1', 'acl-a/r1/2', 'acl-b/r3/3', 'acl-b/r4/5', 'acl-c/r5/6'],
  );
});

test('a truncated blob keeps its complete records and reports the cut one', async () => {
  const dir = tempDir();
  const whole = v4Blob([
    { tuples: [GOOD] },
    { tuples: [GOOD.replace('23956', '1')] },
    { tuples: [GOOD.replace('23956', '2')] },
  ]);
  const cut = whole.slice(0, whole.length - 60);
  put(join(dir, 'PT1H.json'), cut);
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 2);
  const [e] = await store.rows('SELECT Level, Reason, ByteOffset FROM IngestErrors');
  assert.equal(e.Level, 'record');
  assert.match(String(e.Reason), /truncated/);
  assert.equal(cut[Number(e.ByteOffset)], '{');
});

test('invalid JSON in one record, a record without flowRecords and a non-string tuple are reported; the rest stored', async () => {
  const dir = tempDir();
  const good = v4Blob([{ tuples: [GOOD] }]).slice('{"records":['.length, -2);
  const noFlows = JSON.stringify({
    time: '2025-04-30T09:07:40Z',
    macAddress: '112233445566',
    flowLogVersion: 4,
  });
  const numberTuple = v4Blob([{ tuples: [GOOD.replace('23956', '5'), 12345] }]).slice(
    '{"records":['.length,
    -2,
  );
  put(join(dir, 'PT1H.json'), `{"records":[${good},{"time": tru},${noFlows},${numberTuple}]}`);
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 2);
  assert.ok(accountingHolds(s));
  const reasons = (await store.rows('SELECT Reason FROM IngestErrors ORDER BY RecordIndex')).map((r) =>
    String(r.Reason),
  );
  assert.equal(reasons.length, 3);
  assert.match(reasons[0], /invalid JSON/);
  assert.match(reasons[1], /no flowRecords/);
  assert.match(reasons[2], /expected 13 comma-separated fields, found 1/);
});

test('files that are not flow logs: explicit ones are rejected, ones found in a walk are skipped with a note', async () => {
  const dir = tempDir();
  put(join(dir, 'walk', 'dns.json'), '{"records":[{"time":"x","properties":{"QueryName":"a."}}]}');
  const explicit = put(join(dir, 'garbage.json'), 'hello, not json');
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(dir, 'walk'), explicit]);
  assert.equal(s.filesSkipped, 1);
  assert.equal(s.filesRejected, 1);
  assert.equal(
    await count(store, `SELECT count(*) FROM IngestErrors WHERE Level = 'file' AND Reason LIKE 'not JSON%'`),
    1,
  );
  // Unchanged, the rejected file is not reported again.
  await ingestPaths(store, [explicit]);
  assert.equal(await count(store, 'SELECT count(*) FROM IngestErrors'), 1);
});

test('an unreadable path fails with a clear error naming it and exit code 2', () => {
  const r = spawnSync(
    process.execPath,
    [CLI, 'ingest', '--db', join(tempDir(), 'x.duckdb'), '/no/such/flowlogs'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot read \/no\/such\/flowlogs: no such file or directory/);
});

test('usage errors say what is wrong and point at --help', () => {
  const r = spawnSync(process.execPath, [CLI, 'sql', '--format', 'xml', 'SELECT 1'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format must be table, csv or json/);
  const h = spawnSync(process.execPath, [CLI, 'ingest', '--help'], { encoding: 'utf8' });
  assert.equal(h.status, 0);
  assert.match(h.stdout, /Examples:/);
});
