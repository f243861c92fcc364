import assert from 'node:assert/strict';
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { accountingHolds, count, ingestPaths, memoryStore, put, tempDir, v4Blob } from './helpers.js';

const tuple = (i: number): string =>
  `${1663146000000 + i * 1000},10.0.0.6,192.0.2.180,${20000 + i},443,6,O,E,NX,1,${100 + i},1,200`;
const records = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, k) => ({ tuples: [tuple(from + k), tuple(1000 + from + k)] }));

test('ingesting the same files again adds zero rows', async () => {
  const dir = tempDir();
  put(join(dir, 'PT1H.json'), v4Blob(records(0, 5)));
  const store = await memoryStore();
  assert.equal((await ingestPaths(store, [dir])).tuplesStored, 10);
  const again = await ingestPaths(store, [dir]);
  assert.equal(again.tuplesStored, 0);
  assert.equal(again.filesUnchanged, 1);
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 10);
});

test('a PT1H.json that grew contributes only its new records, and they get the right record index', async () => {
  const dir = tempDir();
  const path = put(join(dir, 'PT1H.json'), v4Blob(records(0, 3)));
  const store = await memoryStore();
  await ingestPaths(store, [dir]);
  // Azure inserts new blocks before the `]}` tail; earlier bytes stay as they were.
  writeFileSync(path, v4Blob([...records(0, 3), ...records(3, 5), { tuples: ['bad'] }]));
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.sources[0].status, 'grown');
  assert.equal(s.tuplesRead, 5, 'only the two new records (2 tuples each) and one bad tuple are read');
  assert.equal(s.tuplesStored, 4);
  assert.equal(s.duplicatesSkipped, 0);
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 10);
  assert.equal(await count(store, 'SELECT RecordIndex FROM IngestErrors'), 5);
});

test('records without tuples are counted, so records appended after them get the right index', async () => {
  const dir = tempDir();
  // Three records whose flows hold only empty groups: no row comes out of them at all.
  const empty = (n: number): Parameters<typeof v4Blob>[0] =>
    Array.from({ length: n }, () => ({ tuples: [] }));
  const path = put(join(dir, 'PT1H.json'), v4Blob(empty(3)));
  const store = await memoryStore();
  const first = await ingestPaths(store, [dir]);
  assert.equal(first.tuplesRead, 0);
  assert.equal(first.sources[0].records, 3);
  writeFileSync(path, v4Blob([...empty(3), ...records(3, 4), { tuples: ['bad'] }]));
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.sources[0].status, 'grown');
  assert.equal(s.tuplesStored, 2);
  assert.equal(await count(store, 'SELECT RecordIndex FROM IngestErrors'), 4);
});

test('a rewritten blob (prefix changed) is re-read whole and deduplicated', async () => {
  const dir = tempDir();
  const path = put(join(dir, 'PT1H.json'), v4Blob(records(0, 3)));
  const store = await memoryStore();
  await ingestPaths(store, [dir]);
  writeFileSync(path, v4Blob([{ time: '2025-05-01T00:00:00Z', tuples: [tuple(0)] }, ...records(1, 4)]));
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.sources[0].status, 'changed');
  assert.equal(s.tuplesRead, 7);
  assert.equal(s.tuplesStored, 2);
  assert.equal(s.duplicatesSkipped, 5);
  assert.ok(accountingHolds(s));
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 8);
});

test('the same data under two names, in one run or two, is stored once', async () => {
  const dir = tempDir();
  put(join(dir, 'a', 'PT1H.json'), v4Blob(records(0, 4)));
  cpSync(join(dir, 'a'), join(dir, 'b'), { recursive: true });
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(dir, 'a'), join(dir, 'b')]);
  assert.equal(s.tuplesRead, 16);
  assert.equal(s.tuplesStored, 8);
  assert.equal(s.duplicatesSkipped, 8);
  cpSync(join(dir, 'a'), join(dir, 'c'), { recursive: true });
  const later = await ingestPaths(store, [join(dir, 'c')], 1);
  assert.equal(later.tuplesStored, 0);
  assert.equal(later.duplicatesSkipped, 8);
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 8);
});
