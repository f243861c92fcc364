import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { answerKql } from '../../src/kql/answer.js';
import { ConfigError, DEFAULT_CONFIG, readConfig } from '../../src/serve/config.js';
import { startServer } from '../../src/serve/server.js';
import { readServerFile, serverFilePath, writeServerFile } from '../../src/serve/server-file.js';
import { applyRetention } from '../../src/store/duckdb/retention.js';
import { openDuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { CLI, tempDir } from '../helpers.js';
import { copyDb, estate } from './estate.js';

// The server as a process among the other commands: the CLI finds it beside the database,
// commands that must write say who owns the file, a lock held elsewhere is waited for and named,
// --watch ingests what arrives, a signal stops it cleanly; and its config and retention.

/** Starts `vnetflow serve` and waits for the line with its URL. */
async function serveProcess(
  args: string[],
): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /vnetflow serve: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

function cli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, VNETFLOW_TOKEN: '' },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('while serve owns the database, query and detect go through it and ingest says who owns it', async () => {
  const db = await copyDb('cli');
  const { child, url } = await serveProcess(['--db', db]);
  try {
    assert.ok(existsSync(serverFilePath(db)));
    const q = cli([
      'query',
      '--db',
      db,
      '--format',
      'json',
      'FlowTuples | summarize n = count() by FlowStatus | sort by FlowStatus asc',
    ]);
    assert.equal(q.status, 0, q.stderr);
    const rows = JSON.parse(q.stdout) as { FlowStatus: string; n: number }[];
    assert.equal(rows[0].FlowStatus, 'Allowed');
    assert.ok(rows[0].n > 0);
    const batch = spawnSync(process.execPath, [CLI, 'query', '--jsonl', '--db', db], {
      input: '{"id": 1, "kql": "Flows | count"}\n{"id": 2, "kql": "Nope | count"}\n',
      encoding: 'utf8',
    });
    const lines = batch.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines[0].id, 1);
    assert.equal(lines[0].error, null);
    assert.equal(lines[1].id, 2);
    assert.ok(lines[1].error);
    const d = cli(['detect', '--db', db, '--format', 'json']);
    assert.equal(d.status, 0, d.stderr);
    assert.ok((JSON.parse(d.stdout) as unknown[]).length > 0, 'the alerts of the server are printed');
    const w = cli(['why', '--db', db, '--from', '2026-01-01T00:00:00Z', '10.3.0.4', '10.1.2.4:1433']);
    assert.match(w.stdout, /rule DenyDevToSql/);
    const i = cli(['ingest', '--db', db, (await estate()).env]);
    assert.equal(i.status, 1);
    assert.match(
      i.stderr,
      new RegExp(`vnetflow serve \\(PID ${child.pid}, ${url.replace(/[/.]/g, '\\$&')}\\) owns`),
    );
    assert.match(i.stderr, /kill -INT/);
    const s = cli(['sql', '--db', db, 'SELECT 1']);
    assert.equal(s.status, 1);
    assert.match(s.stderr, /owns .*Ask it in KQL/);
    const e = cli(['detect', '--db', db, '--rules', '/tmp']);
    assert.equal(e.status, 2);
    assert.match(e.stderr, /runs its own rules/);
  } finally {
    child.kill('SIGTERM');
  }
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 0);
  assert.ok(!existsSync(serverFilePath(db)), 'the server file goes with the server');
  // And the database is whole and free again.
  const after = cli(['query', '--db', db, 'FlowTuples | count']);
  assert.equal(after.status, 0, after.stderr);
});

test('a lock held by another process is waited for, then named in plain words', async () => {
  const db = await copyDb('lock');
  const holder = await openDuckDBStore({ path: db });
  try {
    const r = cli(['query', '--db', db, '--wait', '500ms', 'FlowTuples | count']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`in use by .*PID ${process.pid}`));
    assert.match(r.stderr, /waited/);
    assert.doesNotMatch(r.stderr, /IO Error|at .*\.js:\d+/);
  } finally {
    holder.close();
  }
  // Released within the wait, the command goes on (spawned, so this process can let go meanwhile).
  const again = await openDuckDBStore({ path: db });
  const child = spawn(process.execPath, [CLI, 'query', '--db', db, '--wait', '20s', 'FlowTuples | count'], {
    stdio: 'ignore',
  });
  setTimeout(() => again.close(), 500);
  assert.equal(await new Promise((r) => child.on('exit', r)), 0);
});

test('--watch ingests what arrives, then analytics and detection follow; nothing is lost', async () => {
  const dir = tempDir('vnetflow-watch-');
  const incoming = join(dir, 'incoming');
  const env = (await estate()).env;
  const blobs = (readdirSync(env, { recursive: true }) as string[])
    .filter((f) => f.endsWith('PT1H.json'))
    .sort();
  const hours = [...new Set(blobs.map((f) => /h=(\d\d)/.exec(f)?.[1]))];
  assert.ok(hours.length >= 2);
  const copy = (files: string[]): void => {
    for (const f of files) cpSync(join(env, f), join(incoming, f));
  };
  copy(blobs.filter((f) => f.includes(`h=${hours[0]}`)));
  const db = join(dir, 'watch.duckdb');
  const server = await startServer(
    { ...DEFAULT_CONFIG, db, port: 0, sources: [incoming], poll: 200 },
    () => undefined,
  );
  const ask = async (kql: string): Promise<unknown[][]> => {
    const res = await fetch(new URL('/api/query', server.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kql }),
    });
    return ((await res.json()) as { rows: unknown[][] }).rows;
  };
  try {
    while (!server.pipeline.last) await new Promise((r) => setTimeout(r, 50));
    const source = server.pipeline.sources[0];
    assert.equal(source.lastError, null);
    const firstHour = source.tuplesStored;
    assert.ok(firstHour > 0);
    assert.ok(Number((await ask('NTANetAnalytics | count'))[0][0]) > 0, 'analytics ran after the batch');
    // Asked twice, so the server keeps the answer; new data must replace it.
    for (let i = 0; i < 2; i++) assert.equal(Number((await ask('FlowTuples | count'))[0][0]), firstHour);
    // The other hours arrive, with a file that is not a flow log: the next passes take them.
    copy(blobs.filter((f) => !f.includes(`h=${hours[0]}`)));
    mkdirSync(join(incoming, 'junk'), { recursive: true });
    writeFileSync(join(incoming, 'junk', 'PT1H.json'), '{"records": [{"time": oops');
    for (let i = 0; i < 300 && server.pipeline.sources[0].tuplesStored === firstHour; i++)
      await new Promise((r) => setTimeout(r, 100));
    await server.pipeline.exclusive(async () => undefined);
    assert.ok(source.tuplesStored > firstHour);
    const reader = await openDuckDBStore({ path: (await estate()).base, readOnly: true });
    const all = (await answerKql(reader, 'FlowTuples | count', new Date())).rows[0][0];
    reader.close();
    assert.equal(Number((await ask('FlowTuples | count'))[0][0]), all, 'every tuple of every hour, once');
    assert.equal(server.metrics.tuplesIngested, all);
    assert.ok(Number((await ask('Alerts | count'))[0][0]) > 0, 'detection ran over the new hours');
    for (let i = 0; i < 100 && !source.problems.length; i++) await new Promise((r) => setTimeout(r, 100));
    const junk = source.problems.find((p) => p.uri.includes('/junk/'));
    assert.ok(junk, 'the file that is no flow log is reported with why');
    assert.match(junk.note, /not a known flow-log format/);
  } finally {
    await server.close();
  }
});

test('retention deletes events older than the cut and keeps the rest', async () => {
  const db = await copyDb('retention');
  const store = await openDuckDBStore({ path: db });
  try {
    const now = new Date();
    const span = await answerKql(
      store,
      'FlowTuples | summarize min(TimeGenerated), max(TimeGenerated), count()',
      now,
    );
    const [min, max, total] = span.rows[0] as [string, string, number];
    const cut = new Date((Date.parse(min) + Date.parse(max)) / 2);
    const older = (
      await answerKql(store, `FlowTuples | where TimeGenerated < datetime(${cut.toISOString()}) | count`, now)
    ).rows[0][0] as number;
    assert.ok(older > 0 && older < total);
    const deleted = await applyRetention(store, cut);
    assert.equal(deleted._flow_tuples, older);
    const left = await answerKql(store, 'FlowTuples | summarize min(TimeGenerated), count()', now);
    assert.equal(left.rows[0][1], total - older);
    assert.ok(Date.parse(left.rows[0][0] as string) >= cut.getTime());
    const nta = await answerKql(
      store,
      `NTANetAnalytics | where FlowIntervalEndTime < datetime(${cut.toISOString()}) | count`,
      now,
    );
    assert.equal(nta.rows[0][0], 0);
  } finally {
    store.close();
  }
});

test('the config file: relative paths, durations, and every mistake with its line', () => {
  const dir = tempDir('vnetflow-config-');
  const good = join(dir, 'vnetflow.yaml');
  writeFileSync(
    good,
    'database: data/vnet.duckdb\nlisten:\n  host: 127.0.0.1\n  port: 9090\nsources:\n  - flowlogs\nretention: 30d\npoll: 10s\nanalyticsInterval: 10\nallowList:\n  ports: [123]\n',
  );
  const c = readConfig(good);
  assert.equal(c.db, join(dir, 'data', 'vnet.duckdb'));
  assert.equal(c.port, 9090);
  assert.deepEqual(c.sources, [join(dir, 'flowlogs')]);
  assert.equal(c.retention, 30 * 86_400_000);
  assert.equal(c.poll, 10_000);
  assert.equal(c.analyticsInterval, 10);
  assert.deepEqual(c.allowList?.ports, [123]);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    bad,
    'database: x.duckdb\nretension: 30d\nlisten:\n  port: 99999\npoll: soon\nanalyticsInterval: 15\n',
  );
  assert.throws(
    () => readConfig(bad),
    (err: Error) =>
      err instanceof ConfigError &&
      /bad\.yaml:2: unknown key "retension"/.test(err.message) &&
      /bad\.yaml:4: listen\.port must be 0\.\.65535/.test(err.message) &&
      /bad\.yaml:5: poll must be a duration/.test(err.message) &&
      /bad\.yaml:6: analyticsInterval must be 10 or 60/.test(err.message),
  );
  const r = cli(['serve', '--config', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /the config has problems/);
  const open = cli(['serve', '--host', '0.0.0.0', '--db', join(dir, 'x.duckdb')]);
  assert.equal(open.status, 2);
  assert.match(open.stderr, /give a token/);
});

test('a server file left by a killed server is ignored, even when its PID was given to another program', async () => {
  const db = await copyDb('stale');
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    writeServerFile(db, {
      pid: other.pid!,
      url: 'http://127.0.0.1:9/',
      startedAt: new Date().toISOString(),
      tokenRequired: false,
    });
    assert.equal(readServerFile(db), null);
    const q = cli(['query', '--db', db, 'FlowTuples | count']);
    assert.equal(q.status, 0, q.stderr);
  } finally {
    other.kill();
  }
});
