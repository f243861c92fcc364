import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import { CLI, tempDir } from './helpers.js';

/** An order-independent digest of FlowTuples (every contract column) and of the bookkeeping. */
async function digest(db: string): Promise<string> {
  const store = await openDuckDBStore({ path: db });
  try {
    const [t] =
      await store.rows(`SELECT count(*) AS n, sum(hash(TimeGenerated, RecordTime, FlowLogVersion, FlowLogResourceId,
      TargetResourceId, MacAddress, AclId, AclRule, SrcIp, DestIp, SrcPort, DestPort, Protocol, L4Protocol, FlowDirection,
      FlowState, FlowStatus, FlowEncryption, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc, SourceUri)::HUGEINT) AS h
      FROM FlowTuples`);
    const [c] = await store.rows(
      `SELECT count(*) AS n, sum(tuples_stored) AS s, sum(duplicates_skipped) AS d FROM _vnetflow_checkpoints`,
    );
    const [e] = await store.rows(`SELECT count(*) AS n FROM IngestErrors`);
    // The analytics built after the ingest (a kill may land in them too) must come out the same.
    // Each row hashed whole (as a struct), summed so that order does not matter.
    const [a] = await store.rows(
      `SELECT count(*) AS n, sum(hash(r)::HUGEINT) AS h FROM (SELECT * EXCLUDE (TimeProcessed) FROM NTANetAnalytics) r`,
    );
    const [f] = await store.rows(
      `SELECT count(*) AS n, sum(hash(r)::HUGEINT) AS h FROM (SELECT * FROM Flows) r`,
    );
    return JSON.stringify({
      analytics: [a.n, String(a.h)],
      flows: [f.n, String(f.h)],
      tuples: t.n,
      hash: String(t.h),
      checkpoints: c.n,
      stored: c.s,
      dups: c.d,
      errors: e.n,
    });
  } finally {
    store.close();
  }
}

function ingestArgs(db: string, env: string): string[] {
  return [CLI, 'ingest', '--db', db, '--batch-mb', '0.25', '--json', join(env, 'blobs')];
}

test('an ingest killed with SIGKILL at any point, then run again, ends with the uninterrupted table', async () => {
  const env = tempDir();
  const gen = spawnSync(
    process.execPath,
    [CLI, 'generate', '--out', env, '--hours', '6', '--scale', '0.6', '--end', '2026-01-05T00:00:00Z'],
    { encoding: 'utf8' },
  );
  assert.equal(gen.status, 0, gen.stderr);
  const work = tempDir();
  const reference = join(work, 'reference.duckdb');
  const t0 = performance.now();
  const ref = spawnSync(process.execPath, ingestArgs(reference, env), { encoding: 'utf8' });
  const refMs = performance.now() - t0;
  assert.equal(ref.status, 0, ref.stderr);
  assert.ok(JSON.parse(ref.stdout).batches >= 5, 'the data set spans several transactions');
  const expected = await digest(reference);

  const fractions = [0.2, 0.4, 0.55, 0.7, 0.85];
  let killedMidway = 0;
  for (const f of fractions) {
    const db = join(work, `killed-${f}.duckdb`);
    rmSync(db, { force: true });
    const child = spawn(process.execPath, ingestArgs(db, env), { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, Math.round(refMs * f)));
    const wasRunning = child.exitCode === null && child.kill('SIGKILL');
    await exited;
    if (wasRunning) killedMidway++;
    const rerun = spawnSync(process.execPath, ingestArgs(db, env), { encoding: 'utf8' });
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(await digest(db), expected, `after a kill at ${Math.round(f * 100)}% of the run`);
  }
  assert.ok(killedMidway >= 3, `at least three kills landed while ingest ran (got ${killedMidway})`);
});
