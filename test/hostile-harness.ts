import { spawn, spawnSync } from 'node:child_process';
import { existsSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { put, random, tempDir, v4Blob, writeBigBlob } from './helpers.js';

/** What one round found; `problems` is empty when every property held. */
export interface RoundResult {
  readonly seed: number;
  readonly goodTuples: number;
  readonly hostile: readonly string[];
  readonly peakRssMb: number;
  readonly problems: readonly string[];
}

/** The kinds of hostile file a tree can hold; each must end as IngestErrors rows, never a crash. */
export const HOSTILE = [
  'nul',
  'random',
  'truncated',
  'deep',
  'bomb',
  'utf8',
  'nul-tuple',
  'loop',
  'dangling',
  'fifo',
  'growing',
] as const;

/**
 * A blob that changes while it is read, as Azure's do: a record appended before the closing `]}`
 * every few milliseconds, written in place, and every seventh step the whole blob truncated and
 * written again (a re-upload). Runs in its own process; touches `done` when the last record is in.
 */
const WRITER = `
  import { fstatSync, ftruncateSync, openSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
  const { path, recordsPath, done, delayMs } = JSON.parse(process.env.VNETFLOW_WRITER);
  const records = JSON.parse(readFileSync(recordsPath, 'utf8'));
  const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const fd = openSync(path, 'w');
  writeSync(fd, '{"records":[' + records[0] + ']}');
  for (let i = 1; i < records.length; i++) {
    sleep(delayMs);
    if (i % 7 === 0) {
      ftruncateSync(fd, 0);
      writeSync(fd, '{"records":[' + records.slice(0, i + 1).join(',') + ']}', 0);
    } else writeSync(fd, ',' + records[i] + ']}', fstatSync(fd).size - 2);
  }
  closeSync(fd);
  writeFileSync(done, '');`;

/** Blocks for `ms` milliseconds (the harness is synchronous: each ingest is a spawnSync child). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds a tree of good blobs mixed with hostile files, ingests it in a child process (twice), and
 * checks: the run ends with the documented exit code, every good tuple is stored exactly once,
 * every hostile file has an IngestErrors row naming it, peak RSS stays under 512 MB, and the rerun
 * adds nothing. `giantMb` adds one single blob of about that size (0: none).
 */
export function hostileRound(seed: number, options: { files: number; giantMb: number }): RoundResult {
  const rnd = random(seed);
  const dir = tempDir('vnetflow-hostile-');
  const tree = join(dir, 'tree');
  let n = 0;
  // Every good tuple is unique by its ports, so "stored exactly once" is a count and a distinct count.
  const good = (): string => {
    const k = n++;
    return `1663146003599,10.0.0.6,192.0.2.180,${1024 + (k % 60000)},${1 + Math.floor(k / 60000)},6,O,B,NX,1,2,3,4`;
  };
  const blob = (tuples: number): string => v4Blob([{ tuples: Array.from({ length: tuples }, good) }]);
  for (let f = 0; f < options.files; f++) {
    const text = blob(1 + Math.floor(rnd() * 50));
    put(join(tree, `g${f}`, rnd() < 0.3 ? 'PT1H.json.gz' : 'PT1H.json'), rnd() < 0.3 ? gzipSync(text) : text);
  }
  const hostile: string[] = [];
  let writer: { done: string } | null = null;
  const expectErrors = new Set<string>();
  for (const kind of HOSTILE) {
    if (rnd() < 0.3) continue;
    hostile.push(kind);
    const at = join(tree, `h-${kind}`, 'PT1H.json');
    const noise = Buffer.from(Array.from({ length: 2000 }, () => Math.floor(rnd() * 256)));
    if (kind === 'nul') put(at, Buffer.concat([Buffer.from([0]), noise]));
    else if (kind === 'random') put(at, noise);
    else if (kind === 'truncated') put(at, blob(20).slice(0, -40));
    else if (kind === 'deep')
      put(`${at}.gz`, gzipSync(blob(3).replace('"1663', `${'['.repeat(50_000)}${']'.repeat(50_000)},"1663`)));
    else if (kind === 'bomb') put(`${at}.gz`, gzipSync(Buffer.alloc(48 << 20)));
    else if (kind === 'utf8') {
      const b = Buffer.from(blob(5));
      b[b.indexOf('192.0.2.180') + 3] = 0xff;
      put(at, b);
    } else if (kind === 'nul-tuple') put(at, blob(4).replace('192.0.2.180', '192.0.2\u0000'));
    else if (kind === 'loop') {
      put(join(tree, 'h-loop', 'x', 'PT1H.json'), blob(2));
      symlinkSync('..', join(tree, 'h-loop', 'x', 'up'));
      symlinkSync(tree, join(tree, 'h-loop', 'root'));
    } else if (kind === 'dangling') symlinkSync(join(dir, 'nowhere'), join(tree, 'h-dangling.json'));
    else if (kind === 'fifo') {
      // A named pipe would block a reader forever: it must be reported, never opened.
      put(join(tree, 'h-fifo', 'x.json'), blob(1));
      spawnSync('mkfifo', [at]);
    } else if (kind === 'growing') {
      const records = Array.from({ length: 40 }, () => {
        const text = blob(1 + Math.floor(rnd() * 30));
        return text.slice('{"records":['.length, -']}'.length);
      });
      const recordsPath = join(dir, 'growing-records.json');
      writeFileSync(recordsPath, JSON.stringify(records));
      put(at, '');
      writer = { done: join(dir, 'growing.done') };
      const env = {
        ...process.env,
        VNETFLOW_WRITER: JSON.stringify({ path: at, recordsPath, done: writer.done, delayMs: 40 }),
      };
      spawn(process.execPath, ['--input-type=module', '-e', WRITER], { env, stdio: 'ignore' });
    }
    if (kind !== 'loop' && kind !== 'growing')
      expectErrors.add(kind === 'dangling' ? 'h-dangling.json' : `h-${kind}/`);
  }
  // The NUL tuple and the invalid UTF-8 byte each spoil one good tuple; the truncated blob's one
  // record is cut, and an incomplete record is never stored: its 20 tuples are lost upstream.
  const spoiled =
    ['nul-tuple', 'utf8'].filter((k) => hostile.includes(k)).length +
    (hostile.includes('truncated') ? 20 : 0);
  if (options.giantMb > 0) {
    // Ports continue after the good tuples' own, so every stored tuple stays unique.
    const perRecord = 100_000;
    const records = Math.max(1, Math.round((options.giantMb << 20) / (perRecord * 75)));
    n += writeBigBlob(join(tree, 'giant', 'PT1H.json'), records, perRecord, n);
  }
  const expectedStored = n - spoiled;
  const db = join(dir, 'v.duckdb');
  const problems: string[] = [];
  const run = (
    checkCount: boolean,
  ): { status: number | null; stored: number; read: number; rss: number; stderr: string } => {
    const script = `
      import { openDuckDBStore } from ${JSON.stringify(new URL('../src/store/duckdb/duckdb-store.js', import.meta.url).href)};
      import { ingest } from ${JSON.stringify(new URL('../src/ingest/ingest.js', import.meta.url).href)};
      import { FileSource } from ${JSON.stringify(new URL('../src/sources/file/file-source.js', import.meta.url).href)};
      const store = await openDuckDBStore({ path: ${JSON.stringify(db)}, memoryLimit: '192MB' });
      const s = await ingest({ store, sources: [new FileSource([${JSON.stringify(tree)}])] });
      const [c] = await store.rows('SELECT count(*) AS n, count(DISTINCT (SrcPort, DestPort)) AS d FROM FlowTuples');
      const errors = (await store.rows('SELECT DISTINCT SourceUri FROM IngestErrors')).map((r) => r.SourceUri);
      store.close();
      console.log(JSON.stringify({ s, c, errors, rss: process.resourceUsage().maxRSS * 1024 }));
      process.exitCode = s.filesRejected > 0 && s.sources.some((x) => /unreadable/.test(x.note ?? '')) ? 1 : 0;`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    const line = child.stdout.trim().split('\n').pop() ?? '';
    let out: {
      s: { tuplesStored: number; tuplesRead: number };
      c: { n: number; d: number };
      errors: string[];
      rss: number;
    };
    try {
      out = JSON.parse(line) as typeof out;
    } catch {
      problems.push(`ingest did not finish: exit ${child.status}: ${child.stderr.slice(0, 500)}`);
      return { status: child.status, stored: 0, read: 0, rss: 0, stderr: child.stderr };
    }
    if (checkCount && (out.c.n !== expectedStored || out.c.d !== expectedStored))
      problems.push(`stored ${out.c.n} tuples (${out.c.d} distinct), expected ${expectedStored} once each`);
    for (const want of expectErrors)
      if (!out.errors.some((u) => u.includes(want))) problems.push(`no IngestErrors row for ${want}`);
    return {
      status: child.status,
      stored: out.s.tuplesStored,
      read: out.s.tuplesRead,
      rss: out.rss,
      stderr: child.stderr,
    };
  };
  // With a blob changing under it, the first run sees some of it; one run after the writer is done
  // must store the rest, exactly once.
  const expectedExit = hostile.includes('dangling') || hostile.includes('fifo') ? 1 : 0;
  const runs = [run(writer === null)];
  if (writer !== null) {
    for (let waited = 0; !existsSync(writer.done) && waited < 60_000; waited += 50) sleep(50);
    if (!existsSync(writer.done)) problems.push('the growing blob writer did not finish');
    runs.push(run(true));
  }
  for (const r of runs)
    if (r.status !== expectedExit) problems.push(`exit ${r.status}, expected ${expectedExit}`);
  const rerun = run(true);
  if (rerun.stored !== 0) problems.push(`the rerun stored ${rerun.stored} tuples`);
  const peak = Math.max(rerun.rss, ...runs.map((r) => r.rss));
  if (peak > 512 * 2 ** 20) problems.push(`peak RSS ${Math.round(peak / 2 ** 20)} MB`);
  return { seed, goodTuples: expectedStored, hostile, peakRssMb: Math.round(peak / 2 ** 20), problems };
}
