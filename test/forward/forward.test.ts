import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { buildAnalytics } from '../../src/analytics/build.js';
import { detect } from '../../src/detect/detect.js';
import { loadRules } from '../../src/detect/load-rules.js';
import { exportEvents } from '../../src/export/export.js';
import { destination, type DestinationOptions } from '../../src/forward/destination.js';
import { forward, ForwardError, type ForwardSummary } from '../../src/forward/forward.js';
import { ForwardQueue, QueueError, REJECTED } from '../../src/forward/queue.js';
import { rfc5424 } from '../../src/forward/syslog-sink.js';
import { openDuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { generate } from '../../src/synth/generate.js';
import { CLI, ingestPaths, tempDir } from '../helpers.js';
import { elasticReceiver, splunkReceiver, syslogReceiver, webhookReceiver, type Fault } from './receivers.js';

// vnetflow forward against real receivers on loopback that fail the ways real ones do: answers
// of 5xx and 429, dropped connections, a sender killed mid-run, refused events, outages. The
// measure is always the same: what the receiver acknowledged, compared with what
// `vnetflow export` writes for the same table and format.
let dir: string;
let db: string;
const expected: Record<string, string[]> = {};

before(async () => {
  dir = tempDir('vnetflow-forward-');
  generate({
    out: join(dir, 'env'),
    seed: 8,
    hours: 3,
    end: new Date('2026-06-02T00:00:00Z'),
    scale: 0.1,
    format: 'vnet',
  });
  db = join(dir, 'base.duckdb');
  const store = await openDuckDBStore({ path: db });
  await ingestPaths(store, [join(dir, 'env')]);
  await buildAnalytics(store);
  await detect(store, loadRules([]));
  for (const [format, table] of [
    ['ecs', 'FlowTuples'],
    ['ocsf', 'Alerts'],
    ['ecs', 'Alerts'],
  ] as const) {
    const out = join(dir, `${format}-${table}.ndjson`);
    await exportEvents(store, { format, table, from: null, to: null, out, gzip: false });
    expected[`${format}-${table}`] = readFileSync(out, 'utf8').split('\n').filter(Boolean);
  }
  store.close();
  assert.ok(expected['ecs-FlowTuples'].length > 3000, 'the estate has flow tuples');
  assert.ok(expected['ecs-Alerts'].length >= 5, 'the estate raises alerts');
});

/** A copy of the base database, for a test that changes it. */
function dbCopy(name: string): string {
  const path = join(dir, `${name}.duckdb`);
  copyFileSync(db, path);
  return path;
}

const sorted = (lines: readonly string[]): string[] => [...lines].sort();

interface Run {
  to: string;
  table?: 'FlowTuples' | 'Alerts';
  format?: 'ecs' | 'ocsf';
  queue?: string;
  database?: string;
  batch?: number;
  maxQueueBytes?: number;
  giveUpMs?: number;
  extra?: Partial<DestinationOptions>;
  onProgress?: (s: ForwardSummary) => void;
}

/** One forward run in this process, as the CLI runs it; returns its summary and its log. */
async function run(r: Run): Promise<{ summary: ForwardSummary; log: string[]; queue: string }> {
  const table = r.table ?? 'FlowTuples';
  const format = r.format ?? 'ecs';
  const dest = destination({ to: r.to, format, table, ...r.extra });
  const queueDir = r.queue ?? tempDir('vnetflow-queue-');
  const queue = ForwardQueue.open(
    queueDir,
    `${dest.describe} ${table} ${format}`,
    table === 'Alerts' ? { table, seq: 0 } : { table, batch: -1, before: 0 },
  );
  const sink = dest.open();
  const log: string[] = [];
  try {
    const summary = await forward({
      queue,
      sink,
      format,
      openStore: () => openDuckDBStore({ path: r.database ?? db, readOnly: true }),
      from: null,
      follow: false,
      pollMs: 10,
      maxQueueBytes: r.maxQueueBytes ?? 1 << 30,
      batchEvents: r.batch ?? 500,
      batchBytes: 8 << 20,
      retryMaxMs: 20,
      giveUpMs: r.giveUpMs ?? 20_000,
      log: (m) => log.push(m),
      ...(r.onProgress ? { onProgress: r.onProgress } : {}),
    });
    return { summary, log, queue: queueDir };
  } finally {
    await sink.close();
    queue.close();
  }
}

const segments = (queueDir: string): string[] =>
  readdirSync(queueDir).filter((n) => n.endsWith('.ndjson') && n !== REJECTED);

test('webhook: 503, a dropped connection and a 500 on the way; every event arrives once', async () => {
  const faults: Record<number, Fault> = {
    2: { kind: 'status', status: 503, retryAfter: '0' },
    3: { kind: 'drop' },
    4: { kind: 'status', status: 500 },
    9: { kind: 'status', status: 429 },
  };
  const rx = await webhookReceiver(faults);
  try {
    const { summary, log, queue } = await run({ to: rx.url });
    const want = expected['ecs-FlowTuples'];
    assert.deepEqual(sorted(rx.events), sorted(want));
    assert.equal(summary.delivered, want.length);
    assert.equal(summary.read, want.length);
    assert.equal(summary.pending, 0);
    assert.equal(
      new Set(rx.keys).size,
      rx.keys.length,
      'each acknowledged batch has its own Idempotency-Key',
    );
    // Only the first failure of a run of them is logged; the receiver saw all four.
    assert.ok(
      log.some((l) => l.includes('HTTP 503')) && log.some((l) => l.includes('HTTP 429')),
      log.join('\n'),
    );
    assert.equal(rx.requests, rx.keys.length + 4);
    assert.deepEqual(segments(queue), [], 'a delivered segment is deleted');
    // Nothing new: a second run reads and sends nothing.
    const again = await run({ to: rx.url, queue });
    assert.equal(again.summary.read, 0);
    assert.equal(rx.events.length, want.length);
  } finally {
    await rx.close();
  }
});

test('the queue is bounded: with the receiver down, reading stops at the bound and nothing is lost', async () => {
  const faults: Record<number, Fault> = {};
  for (let i = 1; i <= 6; i++) faults[i] = { kind: 'status', status: 503 };
  let most = 0;
  const queueDir = tempDir('vnetflow-queue-');
  const rx = await webhookReceiver(faults);
  try {
    // A bound of one byte: one segment (a chunk of the database) at a time.
    const { summary } = await run({
      to: rx.url,
      queue: queueDir,
      maxQueueBytes: 1,
      onProgress: () => (most = Math.max(most, segments(queueDir).length)),
    });
    assert.equal(most, 1);
    assert.equal(summary.delivered, expected['ecs-FlowTuples'].length);
    assert.deepEqual(sorted(rx.events), sorted(expected['ecs-FlowTuples']));
  } finally {
    await rx.close();
  }
});

test('a receiver down past --give-up stops the run with the events queued; the next run sends them once', async () => {
  let down = true;
  const rx = await webhookReceiver(() => (down ? { kind: 'status', status: 503 } : undefined));
  const queueDir = tempDir('vnetflow-queue-');
  try {
    await assert.rejects(
      run({ to: rx.url, queue: queueDir, giveUpMs: 150, table: 'Alerts', format: 'ocsf' }),
      (err: Error) => {
        assert.ok(err instanceof ForwardError);
        assert.match(err.message, /HTTP 503.*events stay queued in .*nothing is lost/s);
        return true;
      },
    );
    assert.equal(rx.events.length, 0);
    down = false;
    const { summary } = await run({ to: rx.url, queue: queueDir, table: 'Alerts', format: 'ocsf' });
    assert.equal(summary.read, 0, 'the alerts were queued by the first run');
    assert.equal(summary.delivered, expected['ocsf-Alerts'].length);
    assert.deepEqual(sorted(rx.events), sorted(expected['ocsf-Alerts']));
  } finally {
    await rx.close();
  }
});

test('a receiver that refuses the sender (401) stops the run at once, queue kept', async () => {
  const rx = await webhookReceiver({ 1: { kind: 'status', status: 401 } });
  try {
    await assert.rejects(run({ to: rx.url }), /answered HTTP 401/);
    assert.equal(rx.requests, 1, 'no retry of a refusal');
  } finally {
    await rx.close();
  }
});

test('413: the batch is split until the receiver takes it', async () => {
  const rx = await webhookReceiver({
    1: { kind: 'status', status: 413 },
    2: { kind: 'status', status: 413 },
  });
  try {
    const { summary, log } = await run({ to: rx.url, table: 'Alerts', batch: 8 });
    assert.ok(
      log.some((l) => l.includes('sending 2 events a batch')),
      log.join('\n'),
    );
    assert.equal(summary.delivered, expected['ecs-Alerts'].length);
    assert.deepEqual(sorted(rx.events), sorted(expected['ecs-Alerts']));
  } finally {
    await rx.close();
  }
});

/** Runs the CLI; resolves with its exit code or signal and its stderr. */
function cli(
  args: string[],
  env: Record<string, string> = {},
): { pid: () => number; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, 'forward', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return {
    pid: () => child.pid ?? 0,
    done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr }))),
  };
}

test('CLI killed while a batch is in flight: the rerun resends that batch only, each event arrives once', async () => {
  let current = (): number => 0;
  const rx = await webhookReceiver({ 3: { kind: 'kill', pid: () => current() } });
  const queueDir = join(dir, 'kill-webhook-queue');
  const args = ['--to', rx.url, '--db', db, '--queue', queueDir, '--batch', '400', '--retry-max', '20ms'];
  try {
    const first = cli(args);
    current = first.pid;
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(rx.events.length, 800, 'two batches were acknowledged before the kill');
    const second = await cli(args).done;
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(sorted(rx.events), sorted(expected['ecs-FlowTuples']));
    const third = await cli(args).done;
    assert.match(third.stderr, /read 0 events, sent 0/);
    assert.equal(rx.events.length, expected['ecs-FlowTuples'].length);
  } finally {
    await rx.close();
  }
});

test('Elastic _bulk (CLI): killed after Elastic stored a batch; the resend is recognised by _id; refusals and 429s per item', async () => {
  let current = (): number => 0;
  const rx = await elasticReceiver({
    auth: 'ApiKey c2VjcmV0LWtleQ==',
    faults: { 2: { kind: 'kill', pid: () => current(), store: true } },
    refuse: (doc) =>
      (doc.destination as { port?: number }).port === 53 ? 'failed to parse field [destination.port]' : null,
    busyOnce: (id) => id.endsWith('-7'),
  });
  const queueDir = join(dir, 'kill-elastic-queue');
  const args = [
    '--to',
    rx.url,
    '--db',
    db,
    '--queue',
    queueDir,
    '--batch',
    '500',
    '--auth-env',
    'ES_AUTH',
    '--retry-max',
    '20ms',
  ];
  const env = { ES_AUTH: 'ApiKey c2VjcmV0LWtleQ==' };
  try {
    const first = cli(args, env);
    current = first.pid;
    assert.equal((await first.done).signal, 'SIGKILL');
    const second = await cli(args, env).done;
    assert.equal(second.code, 0, second.stderr);
    assert.ok(!second.stderr.includes('c2VjcmV0'), 'the credential is never printed');

    const want = expected['ecs-FlowTuples'];
    const dns = want.filter(
      (l) => (JSON.parse(l) as { destination: { port: number } }).destination.port === 53,
    );
    assert.ok(dns.length > 0, 'the estate has DNS flows for the refusal case');
    const docs = rx.indices.get('logs-vnetflow.flows-default');
    assert.ok(docs, 'ECS events go to the default data stream');
    assert.equal(docs.size, want.length - dns.length);
    assert.deepEqual(
      sorted([...docs.values()].map((d) => JSON.stringify(d))),
      sorted(want.filter((l) => !dns.includes(l)).map((l) => JSON.stringify(JSON.parse(l)))),
    );
    const dupes = /(\d[\d,]*) of them the receiver had already/.exec(second.stderr);
    assert.ok(dupes && Number(dupes[1].replace(/,/g, '')) > 0, second.stderr);
    assert.match(second.stderr, new RegExp(`${dns.length} refused by the receiver`));
    const rejected = readFileSync(join(queueDir, REJECTED), 'utf8').split('\n').filter(Boolean);
    assert.equal(rejected.length, dns.length);
    assert.match(rejected[0], /document_parsing_exception: failed to parse field \[destination\.port\]/);
  } finally {
    await rx.close();
  }
});

test('Splunk HEC: token from the environment, events at their own time, an invalid event refused and the rest sent', async () => {
  const rx = await splunkReceiver({
    token: '1111-2222',
    refuse: (e) => (e.destination as { port?: number } | undefined)?.port === 53,
    faults: { 1: { kind: 'status', status: 503 } },
  });
  try {
    const { summary } = await run({
      to: rx.url,
      extra: { headers: { Authorization: 'Splunk 1111-2222' } },
    });
    const want = expected['ecs-FlowTuples'];
    const kept = want.filter(
      (l) => (JSON.parse(l) as { destination: { port: number } }).destination.port !== 53,
    );
    assert.equal(summary.rejected, want.length - kept.length);
    assert.equal(summary.delivered, kept.length);
    assert.deepEqual(
      sorted(rx.events.map((e) => JSON.stringify(e.event))),
      sorted(kept.map((l) => JSON.stringify(JSON.parse(l)))),
    );
    for (const e of rx.events.slice(0, 50)) {
      assert.equal(e.time, Date.parse(String(e.event['@timestamp'])) / 1000);
      assert.equal(e.source, 'vnetflow:ecs:FlowTuples');
      assert.equal(e.sourcetype, '_json');
    }
  } finally {
    await rx.close();
  }
  const wrong = await splunkReceiver({ token: 'right' });
  try {
    await assert.rejects(
      run({ to: wrong.url, extra: { headers: { Authorization: 'Splunk wrong' } } }),
      /HTTP 403.*Invalid token/,
    );
  } finally {
    await wrong.close();
  }
});

/**
 * Waits (up to 5 s) for `n` syslog messages: TCP syslog has no acknowledgement, so the sender is
 * done when the kernel has the bytes, a moment before the receiver has read them.
 */
async function arrived(messages: readonly string[], n: number): Promise<void> {
  for (let i = 0; i < 500 && messages.length < n; i++) await new Promise((r) => setTimeout(r, 10));
}

/** RFC 5424 (section 6): PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG. */
const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})) ([\x21-\x7e]{1,255}) ([\x21-\x7e]{1,48}) ([\x21-\x7e]{1,128}) ([\x21-\x7e]{1,32}) (\[([^\]\\"]|\\.|"(?:[^"\\]|\\.)*")+\]) (.*)$/s;

function alertIdOf(msg: string): string {
  const m = /\[vnetflow@32473 id="((?:[^"\\]|\\.)*)"/.exec(msg);
  assert.ok(m, msg);
  return m[1];
}

test('syslog over TCP: alerts as RFC 5424, an outage of the receiver mid-run, none missing', async () => {
  let outage: Promise<void> | null = null;
  const rx = await syslogReceiver();
  try {
    // The receiver goes away after the first batch and comes back 200 ms later.
    const { summary } = await run({
      to: rx.url,
      table: 'Alerts',
      batch: 3,
      onProgress: () => (outage ??= rx.outage(200)),
    });
    await outage;
    await arrived(rx.messages, summary.delivered);
    const want = expected['ecs-Alerts'].map(
      (l) => JSON.parse(l) as { event: { id: string; severity: number }; rule: { name: string } },
    );
    assert.equal(summary.delivered, want.length);
    assert.ok(rx.requests >= 2, 'the forwarder connected again after the outage');
    for (const m of rx.messages) assert.match(m, RFC5424);
    // At least once: the batch in flight when the receiver went away is written again (a
    // receiver drops it by the id in the structured data); none is missing.
    const ids = rx.messages.map(alertIdOf);
    assert.deepEqual(sorted([...new Set(ids)]), sorted(want.map((a) => a.event.id)));
    assert.ok(
      ids.length - want.length <= 3,
      `at most the batch in flight twice, got ${ids.length - want.length}`,
    );
    const byId = new Map(rx.messages.map((m) => [alertIdOf(m), m]));
    for (const a of want) {
      const m = byId.get(a.event.id) ?? '';
      const pri = Number(/^<(\d+)>/.exec(m)?.[1]);
      assert.equal(pri >> 3, 4, 'facility 4, security/authorization');
      assert.equal(pri & 7, { 4: 2, 3: 4, 2: 5, 1: 6 }[a.event.severity]);
      assert.deepEqual(
        JSON.parse(RFC5424.exec(m)?.[9] ?? ''),
        JSON.parse(expected['ecs-Alerts'].find((l) => l.includes(a.event.id)) ?? ''),
      );
    }
  } finally {
    await rx.close();
  }
});

test('syslog over TLS with a private CA: OCSF alerts arrive; an untrusted certificate is not accepted', async () => {
  const tls = join(dir, 'tls');
  const made = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${tls}.key`,
    '-out',
    `${tls}.pem`,
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  assert.equal(made.status, 0, String(made.stderr));
  const key = readFileSync(`${tls}.key`, 'utf8');
  const cert = readFileSync(`${tls}.pem`, 'utf8');
  const rx = await syslogReceiver({ tls: { key, cert } });
  try {
    const { summary } = await run({
      to: rx.url,
      table: 'Alerts',
      format: 'ocsf',
      extra: { ca: Buffer.from(cert) },
    });
    await arrived(rx.messages, summary.delivered);
    assert.equal(summary.delivered, expected['ocsf-Alerts'].length);
    const ids = expected['ocsf-Alerts'].map(
      (l) => (JSON.parse(l) as { finding_info: { uid: string } }).finding_info.uid,
    );
    assert.deepEqual(sorted(rx.messages.map(alertIdOf)), sorted(ids));
    await assert.rejects(
      run({ to: rx.url, table: 'Alerts', format: 'ocsf', giveUpMs: 100 }),
      /certificate is not trusted \(DEPTH_ZERO_SELF_SIGNED_CERT.*pass the CA that signed it with --ca/,
    );
  } finally {
    await rx.close();
  }
});

test('new rows after a forward: the next run sends those only (flow tuples and alerts)', async () => {
  const database = dbCopy('incremental');
  const rx = await webhookReceiver();
  const flowsQueue = tempDir('vnetflow-queue-');
  const alertsQueue = tempDir('vnetflow-queue-');
  try {
    await run({ to: rx.url, queue: flowsQueue, database });
    await run({ to: rx.url, queue: alertsQueue, database, table: 'Alerts' });
    const before = rx.events.length;
    generate({
      out: join(dir, 'env2'),
      seed: 9,
      hours: 1,
      end: new Date('2026-06-02T02:00:00Z'),
      scale: 0.1,
      format: 'vnet',
    });
    const store = await openDuckDBStore({ path: database });
    const s = await ingestPaths(store, [join(dir, 'env2', 'blobs')]);
    await buildAnalytics(store);
    await detect(store, loadRules([]));
    const out = join(dir, 'incremental.ndjson');
    await exportEvents(store, { format: 'ecs', table: 'FlowTuples', from: null, to: null, out, gzip: false });
    const allFlows = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    await exportEvents(store, { format: 'ecs', table: 'Alerts', from: null, to: null, out, gzip: false });
    const allAlerts = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    store.close();
    assert.ok(s.tuplesStored > 0);
    const flows = await run({ to: rx.url, queue: flowsQueue, database });
    assert.equal(flows.summary.read, s.tuplesStored, 'only the new batch is read');
    const alerts = await run({ to: rx.url, queue: alertsQueue, database, table: 'Alerts' });
    assert.equal(before + flows.summary.read + alerts.summary.read, rx.events.length);
    assert.deepEqual(sorted(rx.events), sorted([...allFlows, ...allAlerts]));
  } finally {
    await rx.close();
  }
});

test('the queue: orphans of a killed write are removed, another live forwarder and another destination are refused', async () => {
  const q = tempDir('vnetflow-queue-');
  const queue = ForwardQueue.open(q, 'webhook http://a/ FlowTuples ecs', {
    table: 'FlowTuples',
    batch: -1,
    before: 0,
  });
  queue.close();
  writeFileSync(join(q, '0000000001.ndjson'), '{"half":');
  writeFileSync(join(q, '0000000002.ndjson.tmp'), '{');
  ForwardQueue.open(q, 'webhook http://a/ FlowTuples ecs', {
    table: 'FlowTuples',
    batch: -1,
    before: 0,
  }).close();
  assert.deepEqual(segments(q), []);
  assert.ok(!existsSync(join(q, '0000000002.ndjson.tmp')));
  assert.throws(
    () =>
      ForwardQueue.open(q, 'webhook http://b/ FlowTuples ecs', { table: 'FlowTuples', batch: -1, before: 0 }),
    (err: Error) =>
      err instanceof QueueError && /is for webhook http:\/\/a\/ FlowTuples ecs/.test(err.message),
  );
  const holder = spawn('sleep', ['30']);
  try {
    writeFileSync(join(q, 'lock'), String(holder.pid));
    assert.throws(
      () =>
        ForwardQueue.open(q, 'webhook http://a/ FlowTuples ecs', {
          table: 'FlowTuples',
          batch: -1,
          before: 0,
        }),
      new RegExp(`another forwarder \\(pid ${holder.pid}\\)`),
    );
  } finally {
    holder.kill();
  }
  await new Promise((resolve) => holder.on('close', resolve));
  // The holder is gone: its lock is taken over.
  ForwardQueue.open(q, 'webhook http://a/ FlowTuples ecs', {
    table: 'FlowTuples',
    batch: -1,
    before: 0,
  }).close();
  // A checkpoint whose cursor is not whole numbers (edited by hand) is refused, never read into SQL.
  const state = JSON.parse(readFileSync(join(q, 'state.json'), 'utf8')) as { cursor: { batch: unknown } };
  state.cursor.batch = '1 OR true';
  writeFileSync(join(q, 'state.json'), JSON.stringify(state));
  assert.throws(
    () =>
      ForwardQueue.open(q, 'webhook http://a/ FlowTuples ecs', { table: 'FlowTuples', batch: -1, before: 0 }),
    /holds no valid checkpoint/,
  );
  // --reset: a queue that does not exist yet is nothing to drop; an existing one is emptied.
  ForwardQueue.reset(join(q, 'not-yet'));
  ForwardQueue.reset(q);
  assert.deepEqual(readdirSync(q), []);
});

test('destinations: the kind follows the URL, credentials never show, what cannot be used is refused', () => {
  const d = (to: string, table: 'FlowTuples' | 'Alerts' = 'FlowTuples') =>
    destination({ to, format: 'ecs', table });
  assert.equal(d('https://es.example:9200/_bulk').kind, 'elastic');
  assert.equal(d('https://es.example:9200/flows/_bulk').kind, 'elastic');
  assert.equal(d('https://splunk:8088/services/collector/event').kind, 'splunk');
  assert.equal(d('https://hooks.example/x?token=abc').kind, 'webhook');
  assert.equal(d('syslog+tls://siem:6514', 'Alerts').kind, 'syslog');
  const secret = d('https://elastic:hunter2@es.example:9200/_bulk?secret=1');
  assert.equal(secret.describe, 'elastic https://es.example:9200/_bulk');
  assert.throws(() => d('ftp://x/'), /ftp:\/\/ is not a destination/);
  assert.throws(() => d('syslog+tcp://siem:514'), /syslog carries alerts only/);
  assert.throws(() => d('syslog://siem:514', 'Alerts'), /UDP loses messages/);
  assert.throws(
    () => destination({ to: 'http://x/', kind: 'syslog', format: 'ecs', table: 'Alerts' }),
    /--kind syslog needs/,
  );
  assert.throws(() => d('not a url'), /is not a URL/);
  // The syslog message escapes what structured data must escape.
  const msg = rfc5424(
    JSON.stringify({
      '@timestamp': '2026-06-01T00:00:00.000Z',
      event: { severity: 4 },
      rule: { name: 'a "b" ]c\\' },
    }),
    'id"1',
    'host',
  );
  assert.match(
    msg,
    /^<34>1 2026-06-01T00:00:00.000Z host vnetflow \d+ alert \[vnetflow@32473 id="id\\"1" rule="a \\"b\\" \\]c\\\\" severity="High"\] \{/,
  );
  assert.match(msg, RFC5424);
});

test('CLI: usage errors exit 2 with a clear message', () => {
  const usage = (args: string[]): string => {
    const r = spawnSync(process.execPath, [CLI, 'forward', ...args, '--db', db], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    return r.stderr;
  };
  assert.match(usage([]), /--to URL is required/);
  const missing = join(dir, 'missing.duckdb');
  const r = spawnSync(process.execPath, [CLI, 'forward', '--to', 'http://127.0.0.1:1/', '--db', missing], {
    encoding: 'utf8',
  });
  assert.match(r.stderr, /no database at .*missing\.duckdb/);
  assert.ok(!existsSync(`${missing}.forward`), 'no queue is made for a database that does not exist');
  assert.match(
    usage(['--to', 'http://127.0.0.1:1/', '--kind', 'kafka']),
    /--kind must be one of webhook, elastic, splunk, syslog/,
  );
  assert.match(usage(['--to', 'http://127.0.0.1:1/', '--format', 'raw']), /--format must be ecs or ocsf/);
  assert.match(usage(['--to', 'http://127.0.0.1:1/', '--auth-env', 'VNETFLOW_NOT_SET_ANYWHERE']), /not set/);
  assert.match(
    usage(['--to', 'http://127.0.0.1:1/', '--retry-max', 'soon']),
    /--retry-max must be a duration/,
  );
  assert.match(usage(['--to', 'http://127.0.0.1:1/', '--queue-size', 'big']), /--queue-size must be a size/);
  assert.match(
    usage(['--to', 'http://127.0.0.1:1/', '--header', 'no colon']),
    /--header must be "Name: value"/,
  );
});
