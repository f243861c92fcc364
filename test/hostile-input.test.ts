import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ingest } from '../src/ingest/ingest.js';
import { FRAME_LIMITS } from '../src/ingest/frame.js';
import { FileSource } from '../src/sources/file/file-source.js';
import {
  accountingHolds,
  CLI,
  count,
  ingestPaths,
  memoryStore,
  put,
  tempDir,
  v4Blob,
  writeBigBlob,
} from './helpers.js';

const GOOD = '1663146003599,10.0.0.6,192.0.2.180,23956,443,6,O,B,NX,0,0,0,0';
const tuple = (port: number): string => GOOD.replace('23956', String(port));

test('a file starting with NUL bytes and a .gz of zeros are IngestErrors rows; the good file beside them is stored', async () => {
  const dir = tempDir();
  put(join(dir, 'a', 'PT1H.json'), Buffer.concat([Buffer.from([0, 1, 2, 0x27, 0]), Buffer.alloc(500, 0x41)]));
  put(join(dir, 'b', 'PT1H.json.gz'), gzipSync(Buffer.alloc(1 << 20)));
  put(join(dir, 'c', 'PT1H.json'), v4Blob([{ tuples: [GOOD] }]));
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 1);
  assert.equal(s.filesRejected, 2);
  const rows = await store.rows(
    `SELECT SourceUri, Level, Reason, RawText FROM IngestErrors ORDER BY SourceUri`,
  );
  assert.equal(rows.length, 2);
  assert.match(String(rows[0].SourceUri), /a\/PT1H\.json$/);
  assert.match(String(rows[0].Reason), /not JSON/);
  // The raw text went in as a parameter: its NUL and quote survive.
  assert.ok(String(rows[0].RawText).includes("\u0000\u0001\u0002'"));
  assert.match(String(rows[1].Reason), /not JSON/);
  // A rerun: nothing new, nothing fails.
  const again = await ingestPaths(store, [dir]);
  assert.equal(again.tuplesRead, 0);
  assert.equal(await count(store, 'SELECT count(*) FROM IngestErrors'), 2);
});

test('a gzip bomb is refused by its ratio, and a file past the size limit by its size, each as an IngestErrors row', async () => {
  const dir = tempDir();
  put(join(dir, 'bomb', 'PT1H.json.gz'), gzipSync(Buffer.alloc(64 << 20)));
  put(join(dir, 'ok', 'PT1H.json.gz'), gzipSync(v4Blob([{ tuples: [tuple(7)] }])));
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 1);
  const [bomb] = await store.rows(`SELECT SourceUri, Level, Reason FROM IngestErrors`);
  assert.match(String(bomb.SourceUri), /bomb\/PT1H\.json\.gz$/);
  assert.match(String(bomb.Reason), /decompression bomb/);
  assert.equal(bomb.Level, 'file');

  const blob = v4Blob(Array.from({ length: 200 }, (_, r) => ({ tuples: [tuple(r + 1)] })));
  put(join(dir, 'big', 'PT1H.json.gz'), gzipSync(blob));
  const limited = await memoryStore();
  await ingest({
    store: limited,
    sources: [new FileSource([join(dir, 'big'), join(dir, 'ok')])],
    maxInflatedBytes: blob.length - 1,
  });
  const rows = await limited.rows(`SELECT SourceUri, Reason FROM IngestErrors`);
  assert.equal(rows.length, 1);
  assert.match(String(rows[0].Reason), /inflates to more than/);
  assert.equal(await count(limited, 'SELECT count(*) FROM FlowTuples'), 1);
});

test('a damaged gzip stream keeps the complete records that decompress before the damage', async () => {
  const dir = tempDir();
  const records = Array.from({ length: 400 }, (_, r) => ({
    tuples: [tuple(r + 1)],
    acl: `acl-${r}-${'x'.repeat(200)}`,
  }));
  const gz = gzipSync(v4Blob(records));
  put(join(dir, 'PT1H.json.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.ok(s.tuplesStored > 0 && s.tuplesStored < 400, `stored ${s.tuplesStored}`);
  assert.ok(accountingHolds(s));
  const reasons = (await store.rows(`SELECT Reason FROM IngestErrors`)).map((r) => String(r.Reason));
  assert.ok(reasons.some((r) => /gzip stream damaged/.test(r)));
  assert.ok(reasons.some((r) => /truncated/.test(r)));
});

test('a blob cut inside its first record, alone in its batch, is a truncated row, not a failed run', async () => {
  const dir = tempDir();
  const text = v4Blob([{ tuples: [tuple(1), tuple(2)] }]);
  put(join(dir, 'PT1H.json'), text.slice(0, text.length - 30));
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesRead, 0);
  const rows = await store.rows(`SELECT Level, ByteOffset, Reason FROM IngestErrors`);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].ByteOffset, '{"records":['.length);
  assert.match(String(rows[0].Reason), /truncated/);
});

test('a tuple nested 100k levels deep, in a .gz and beside an invalid UTF-8 file, is rejected alone', async () => {
  const dir = tempDir();
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const text = v4Blob([{ tuples: [tuple(1), 'DEEP', tuple(2)] }]).replace('"DEEP"', deep);
  put(join(dir, 'a', 'PT1H.json.gz'), gzipSync(text));
  const utf8 = Buffer.from(v4Blob([{ tuples: [tuple(3), tuple(4).replace('192.0.2.180', '192.0.2.1X')] }]));
  const at = utf8.indexOf('1X');
  utf8[at + 1] = 0xff;
  put(join(dir, 'b', 'PT1H.json'), utf8);
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 3);
  assert.equal(s.tuplesRejected, 2);
  const rows = await store.rows(
    `SELECT SourceUri, TupleIndex, Reason, length(RawText) AS n FROM IngestErrors ORDER BY SourceUri`,
  );
  assert.equal(rows[0].TupleIndex, 1);
  assert.ok(Number(rows[0].n) <= 4096);
  assert.equal(rows[1].TupleIndex, 1);
  assert.match(String(rows[1].Reason), /bad destination IP/);
});

test('a raw NUL inside one tuple rejects that tuple only; the good tuples of its record are stored', async () => {
  const dir = tempDir();
  const text = v4Blob([{ tuples: [tuple(1), 'NULTUPLE', tuple(2)] }]).replace(
    'NULTUPLE',
    '1663146003599,10.0.0.6,192.0.2.1\u0000,5,443,6,O,B,NX,0,0,0,0',
  );
  put(join(dir, 'PT1H.json'), text);
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesStored, 2);
  assert.equal(s.tuplesRejected, 1);
  const [e] = await store.rows(`SELECT RecordIndex, TupleIndex, Reason, RawText FROM IngestErrors`);
  assert.equal(e.TupleIndex, 1);
  assert.match(String(e.Reason), /bad destination IP/);
  assert.ok(String(e.RawText).includes('\u0000'));
});

test('link loops are not followed, each real file is read once, and a dangling link is an IngestErrors row (stored once)', async () => {
  const dir = tempDir();
  put(join(dir, 'tree', 'sub', 'PT1H.json'), v4Blob([{ tuples: [tuple(1)] }]));
  symlinkSync('..', join(dir, 'tree', 'sub', 'up'));
  symlinkSync(join(dir, 'tree'), join(dir, 'tree', 'sub', 'root'));
  symlinkSync(join(dir, 'tree', 'sub'), join(dir, 'tree', 'again'));
  symlinkSync(join(dir, 'nowhere'), join(dir, 'tree', 'dangling.json'));
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(dir, 'tree')]);
  assert.equal(s.tuplesRead, 1);
  assert.equal(s.tuplesStored, 1);
  const files = s.sources.filter((x) => x.status === 'new').map((x) => x.uri);
  assert.deepEqual(files.length, 1);
  const errors = await store.rows(`SELECT SourceUri, Level, Reason FROM IngestErrors`);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0].SourceUri), /dangling\.json$/);
  assert.match(String(errors[0].Reason), /unreadable: no such file/);
  await ingestPaths(store, [join(dir, 'tree')]);
  assert.equal(await count(store, 'SELECT count(*) FROM IngestErrors'), 1);
});

test('giant records are split by tuples; a bad tuple deep in one keeps its record and tuple index', async () => {
  const saved = { ...FRAME_LIMITS };
  // Small limits: the same code paths as a 1 GB blob, on a few hundred KB.
  Object.assign(FRAME_LIMITS, {
    window: 4096,
    partBytes: 16 << 10,
    rawRecordBytes: 8 << 10,
    chunkBytes: 2 << 10,
  });
  try {
    const dir = tempDir();
    const tuples = (r: number): string[] => Array.from({ length: 600 }, (_, k) => tuple(r * 1000 + k + 1));
    const records = [0, 1, 2].map((r) => ({ tuples: tuples(r), acl: `acl-${r}` }));
    records[1].tuples[517] = records[1].tuples[517].replace('10.0.0.6', '10.0.0.300');
    const text = v4Blob(records);
    put(join(dir, 'PT1H.json'), text);
    const store = await memoryStore();
    const s = await ingestPaths(store, [dir]);
    assert.equal(s.tuplesRead, 1800);
    assert.equal(s.tuplesStored, 1799);
    assert.equal(s.sources[0].records, 3);
    const [e] = await store.rows(`SELECT RecordIndex, TupleIndex, ByteOffset, Reason FROM IngestErrors`);
    assert.equal(e.RecordIndex, 1);
    assert.equal(e.TupleIndex, 517);
    assert.match(String(e.Reason), /bad source IP: 10.0.0.300/);
    assert.equal(
      text.slice(Number(e.ByteOffset) + 1, Number(e.ByteOffset) + 1 + 20),
      records[1].tuples[517].slice(0, 20),
    );
    assert.equal(await count(store, `SELECT count(DISTINCT SrcPort) FROM FlowTuples`), 1799);
    // The checkpoint is right: a rerun reads nothing, and a grown blob only its new record.
    assert.equal((await ingestPaths(store, [dir])).tuplesRead, 0);
    writeFileSync(join(dir, 'PT1H.json'), v4Blob([...records, { tuples: tuples(3), acl: 'acl-3' }]));
    const grown = await ingestPaths(store, [dir]);
    assert.equal(grown.tuplesRead, 600);
    assert.equal(grown.tuplesStored, 600);
  } finally {
    Object.assign(FRAME_LIMITS, saved);
  }
});

test('a 60 MB single blob ingests within 512 MB of peak RSS (a child process measures itself)', () => {
  const dir = tempDir();
  const path = join(dir, 'PT1H.json');
  // 4 records of 200k tuples (~15 MB each): over DuckDB's memory if read whole. Written here, so the
  // child's peak is the ingest's alone.
  assert.equal(writeBigBlob(path, 4, 200_000), 800_000);
  const script = `
    import { openDuckDBStore } from ${JSON.stringify(new URL('../src/store/duckdb/duckdb-store.js', import.meta.url).href)};
    import { ingest } from ${JSON.stringify(new URL('../src/ingest/ingest.js', import.meta.url).href)};
    import { FileSource } from ${JSON.stringify(new URL('../src/sources/file/file-source.js', import.meta.url).href)};
    const store = await openDuckDBStore({ path: ${JSON.stringify(join(dir, 'db.duckdb'))}, memoryLimit: '192MB' });
    const s = await ingest({ store, sources: [new FileSource([${JSON.stringify(path)}])] });
    const [c] = await store.rows('SELECT count(DISTINCT (SrcPort, DestPort)) AS n FROM FlowTuples');
    store.close();
    console.log(JSON.stringify({ stored: s.tuplesStored, distinct: c.n, rss: process.resourceUsage().maxRSS * 1024 }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout.trim().split('\n').pop() as string) as {
    stored: number;
    distinct: number;
    rss: number;
  };
  assert.equal(out.stored, 800_000);
  assert.equal(out.distinct, 800_000);
  assert.ok(out.rss < 512 * 1024 * 1024, `peak RSS ${Math.round(out.rss / 2 ** 20)} MB`);
});

test('readers share a database; a reading command on a missing file fails clearly instead of creating it', async () => {
  const dir = tempDir();
  put(join(dir, 'flows', 'PT1H.json'), v4Blob([{ tuples: [GOOD] }]));
  const db = join(dir, 'v.duckdb');
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.equal(run(['ingest', '--db', db, '--no-analytics', join(dir, 'flows')]).status, 0);
  const { spawn } = await import('node:child_process');
  const started = [0, 1].map(
    () =>
      new Promise<number>((resolve) => {
        const p = spawn(process.execPath, [
          CLI,
          'sql',
          '--db',
          db,
          'SELECT count(*) AS n FROM FlowTuples, range(3000000)',
        ]);
        p.on('close', (code) => resolve(code ?? -1));
      }),
  );
  assert.deepEqual(await Promise.all(started), [0, 0]);
  const missing = run(['query', '--db', join(dir, 'typo.duckdb'), 'FlowTuples | count']);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no database at .*typo\.duckdb/);
  assert.equal(run(['sql', '--db', join(dir, 'typo.duckdb'), 'SELECT 1']).status, 2);
});
