import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { answerKql } from '../../src/kql/answer.js';
import { DEFAULT_CONFIG, type ServeConfig } from '../../src/serve/config.js';
import { startServer, ServeError, type RunningServer } from '../../src/serve/server.js';
import { serverFilePath } from '../../src/serve/server-file.js';
import { openDuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { copyDb, estate } from './estate.js';

// The API against a real server on loopback over a real database: answers equal to the engine's
// own, the security rules (token, Host, body limits, only KQL), timeouts, and the endpoints the UI
// and the other commands use.
let server: RunningServer;
let db: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP request with full control of the headers (fetch would not let us set Host). */
function call(
  port: number,
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          const body = Buffer.concat(parts).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const post = (
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  port = server.port,
): Promise<Reply> => call(port, 'POST', path, { body: JSON.stringify(body), headers });
const get = (path: string, headers: Record<string, string> = {}, port = server.port): Promise<Reply> =>
  call(port, 'GET', path, { headers });

function config(over: Partial<ServeConfig>): ServeConfig {
  return { ...DEFAULT_CONFIG, db, port: 0, ...over };
}

before(async () => {
  db = await copyDb('api');
  server = await startServer(config({}), () => undefined);
  // The first pass (analytics, then detection over the estate) runs at start.
  await server.pipeline.exclusive(async () => undefined);
  while (!server.pipeline.last) await new Promise((r) => setTimeout(r, 50));
});

after(async () => {
  await server?.close();
});

test('POST /api/query answers what the engine answers, with the render kind and row limits', async () => {
  const kql =
    'FlowTuples | summarize Tuples = count(), Bytes = sum(BytesSrcToDest) by FlowStatus | sort by FlowStatus asc | render piechart';
  const r = await post('/api/query', { kql });
  assert.equal(r.status, 200);
  const a = r.json();
  assert.equal(a.error, null);
  assert.equal(a.render, 'piechart');
  assert.deepEqual(a.columns, [
    { name: 'FlowStatus', type: 'string' },
    { name: 'Tuples', type: 'long' },
    { name: 'Bytes', type: 'long' },
  ]);
  // The same query through the engine directly, over the database the server's copy came from.
  const reader = await openDuckDBStore({ path: (await estate()).base, readOnly: true });
  const direct = await answerKql(reader, kql, new Date());
  reader.close();
  assert.deepEqual(a.rows, direct.rows);
  assert.ok(a.rows.length >= 1);
  const cut = (await post('/api/query', { kql: 'FlowTuples | project SrcIp | take 50', maxRows: 7 })).json();
  assert.equal(cut.rows.length, 7);
  assert.equal(cut.truncated, true);
  const whole = (await post('/api/query', { kql: 'FlowTuples | take 3', maxRows: 7 })).json();
  assert.equal(whole.rows.length, 3);
  assert.equal(whole.truncated, false);
});

test('a bad query is answered with its error and position, never a crash', async () => {
  const a = (await post('/api/query', { kql: 'FlowTuples\n| where NoSuchColumn == 1' })).json();
  assert.ok(a.error);
  assert.equal(a.error.diagnostics[0].line, 2);
  assert.match(a.error.diagnostics[0].message, /NoSuchColumn/);
  assert.deepEqual(a.rows, []);
});

test('only KQL reaches the engine: commands, SQL and files are refused, and the tables stay', async () => {
  const before = (await post('/api/query', { kql: 'FlowTuples | count' })).json().rows[0][0];
  const hostile = [
    '.drop table FlowTuples',
    '.set-or-append FlowTuples <| FlowTuples',
    'DROP TABLE _flow_tuples',
    'FlowTuples | where SrcIp == "x\'; DROP TABLE _flow_tuples; --" | count',
    'externaldata (x: string) [@"file:///etc/passwd"]',
    "evaluate python(typeof(*), 'import os')",
    "FlowTuples | extend x = read_text('/etc/passwd')",
    "print x = toscalar(externaldata (l: string) [h@'https://example.com/x.csv'])",
  ];
  for (const kql of hostile) {
    const r = await post('/api/query', { kql });
    assert.equal(r.status, 200, kql);
    const a = r.json();
    if (a.error === null) assert.deepEqual(a.rows, [[0]], `${kql} ran: ${JSON.stringify(a.rows)}`);
    assert.ok(!r.body.includes('root:x:0:0'), kql);
  }
  const afterCount = (await post('/api/query', { kql: 'FlowTuples | count' })).json().rows[0][0];
  assert.equal(afterCount, before);
});

test('malformed requests get a 4xx that says why', async () => {
  const noJson = await call(server.port, 'POST', '/api/query', { body: '{"kql":', headers: {} });
  assert.equal(noJson.status, 400);
  assert.match(noJson.json().error.message, /not JSON/);
  const form = await call(server.port, 'POST', '/api/query', {
    body: 'kql=FlowTuples',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(form.status, 415);
  assert.equal((await post('/api/query', { kql: 42 })).status, 400);
  assert.equal((await post('/api/query', { kql: 'FlowTuples', now: 'yesterday' })).status, 400);
  assert.equal((await post('/api/query', { kql: 'FlowTuples', maxRows: -1 })).status, 400);
  const huge = await post('/api/query', { kql: `FlowTuples | where SrcIp == "${'x'.repeat(70_000)}"` });
  assert.equal(huge.status, 413);
  assert.equal((await get('/api/nothing')).status, 404);
  assert.equal((await get('/api/alerts?severity=Extreme')).status, 400);
  assert.equal((await get('/api/alerts/..%2F..%2Fetc/evidence')).status, 400);
  assert.equal((await get('/api/why?src=10.0.0.1&dst=not-an-ip')).status, 400);
});

test('every response carries the security headers; static files cannot climb out of their folders', async () => {
  for (const path of ['/', '/api/health', '/ui/main.js', '/ui/echarts.js', '/vendor/monaco/vs/loader.js']) {
    const r = await get(path);
    assert.equal(r.status, 200, path);
    const csp = String(r.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
  const page = await get('/');
  assert.match(page.body, /<script type="module" src="\/ui\/main.js">/);
  assert.doesNotMatch(page.body, /https?:\/\//, 'the page loads nothing from elsewhere');
  for (const path of [
    '/ui/../package.json',
    '/ui/%2e%2e/%2e%2e/package.json',
    '/vendor/monaco/vs/..%2F..%2F..%2Fpackage.json',
    '/vendor/monaco/vs/%00',
    '/ui/..\\..\\package.json',
  ])
    assert.equal((await get(path)).status, 404, path);
});

test('a request naming another host is refused (DNS rebinding)', async () => {
  const r = await get('/api/health', { Host: 'attacker.example:8080' });
  assert.equal(r.status, 421);
  assert.equal((await get('/api/health', { Host: `localhost:${server.port}` })).status, 200);
});

test('GET /api/schema lists the tables with Kusto types in monaco-kusto\u2019s shape', async () => {
  const s = (await get('/api/schema')).json();
  assert.equal(s.clusterType, 'Engine');
  const nta = s.database.tables.find((t: { name: string }) => t.name === 'NTANetAnalytics');
  assert.ok(nta);
  const col = (name: string): { type: string } => nta.columns.find((c: { name: string }) => c.name === name);
  assert.equal(col('TimeGenerated').type, 'datetime');
  assert.equal(col('SrcIp').type, 'string');
  assert.equal(col('DestPort').type, 'int');
  assert.ok(!nta.columns.some((c: { name: string }) => c.name.startsWith('_')));
});

test('alerts list, and an alert opens exactly its evidence', async () => {
  const list = (await get('/api/alerts')).json();
  assert.ok(list.alerts.length > 0, 'the first pass ran the built-in rules over the estate');
  const high = (await get('/api/alerts?severity=High')).json();
  assert.ok(high.alerts.every((a: { Severity: string }) => a.Severity === 'High'));
  const alert = list.alerts.find(
    (a: { EvidenceCount: number }) => a.EvidenceCount > 0 && a.EvidenceCount < 1000,
  );
  assert.ok(alert);
  const e = (await get(`/api/alerts/${encodeURIComponent(alert.AlertId)}/evidence`)).json();
  assert.equal(e.alert.AlertId, alert.AlertId);
  assert.equal(e.evidence.error, null);
  assert.equal(e.evidence.rows.length, alert.EvidenceCount);
  assert.equal((await get('/api/alerts/no-such-alert/evidence')).status, 404);
});

test('why: the generated denied-SQL scenario is answered with its rule, NIC and direction', async () => {
  const truth = JSON.parse(readFileSync(join((await estate()).env, 'ground-truth.json'), 'utf8')) as {
    scenarios: { id: string; srcIps: string[]; dstIps: string[]; dstPorts: number[] }[];
  };
  const s = truth.scenarios.find((x) => x.id === 'db-denied');
  assert.ok(s, 'the estate has the scenario');
  const w = (await get(`/api/why?src=${s.srcIps[0]}&dst=${s.dstIps[0]}&port=${s.dstPorts[0]}`)).json();
  assert.equal(w.verdict, 'denied');
  assert.match(w.sentence, /cannot reach 10\.1\.2\.4:1433: rule DenyDevToSql/);
  assert.match(w.sentence, /inbound at flowlogs\/sql-vm-1-nic/);
  assert.equal(w.lastAllowed, null);
  assert.ok(w.observations.every((o: { status: string }) => o.status === 'Denied'));
  const none = (await get('/api/why?src=10.3.0.4&dst=10.9.9.9')).json();
  assert.equal(none.verdict, 'not-seen');
});

test('health, sources and metrics say what the server did', async () => {
  const h = (await get('/api/health')).json();
  assert.equal(h.status, 'ok');
  assert.ok(h.lastPass);
  const s = (await get('/api/sources')).json();
  assert.deepEqual(s.sources, []);
  assert.ok(Array.isArray(s.errors));
  await post('/api/query', { kql: 'Flows | take 1' });
  const m = (await get('/metrics')).body;
  const queries = Number(/vnetflow_query_duration_seconds_count (\d+)/.exec(m)?.[1]);
  assert.ok(queries >= 1);
  assert.match(m, /vnetflow_alerts\{rule="[^"]+"\} \d+/);
  assert.match(m, /# TYPE vnetflow_query_duration_seconds histogram/);
});

test('a query past the time limit is cancelled and answered as such; the server goes on', async () => {
  const slow = await startServer(config({ db: await copyDb('slow'), queryTimeout: 300 }), () => undefined);
  try {
    const heavy =
      'FlowTuples | join kind=inner (FlowTuples) on SrcIp | join kind=inner (FlowTuples) on SrcIp | count';
    const a = (await post('/api/query', { kql: heavy }, {}, slow.port)).json();
    assert.ok(a.error);
    assert.match(a.error.message, /longer than 0.3 s and was cancelled/);
    const ok = (await post('/api/query', { kql: 'FlowTuples | count' }, {}, slow.port)).json();
    assert.equal(ok.error, null);
  } finally {
    await slow.close();
  }
});

test('a token is required on every request when set, compared whole', async () => {
  const token = 'Zq8-test-token-0123456789';
  const logged: string[] = [];
  const guarded = await startServer(config({ db: await copyDb('token'), token }), (line) =>
    logged.push(line),
  );
  try {
    const p = guarded.port;
    const file = readFileSync(serverFilePath(await copyDb('token')), 'utf8');
    assert.equal(JSON.parse(file).tokenRequired, true);
    assert.ok(!file.includes(token), 'the file beside the database does not hold the token');
    assert.equal((await get('/api/health', {}, p)).status, 401);
    assert.equal((await get('/', {}, p)).status, 401);
    assert.equal((await get('/api/health', { Authorization: 'Bearer wrong' }, p)).status, 401);
    assert.equal((await get('/api/health', { Authorization: `Bearer ${token}x` }, p)).status, 401);
    assert.equal(
      (await get('/api/health', { Authorization: `Bearer ${token.slice(0, -1)}` }, p)).status,
      401,
    );
    assert.equal((await post('/api/query', { kql: 'FlowTuples | count' }, {}, p)).status, 401);
    assert.equal((await get('/api/health', { Authorization: `Bearer ${token}` }, p)).status, 200);
    const login = await get(`/?token=${token}`, {}, p);
    assert.equal(login.status, 303);
    const cookie = String(login.headers['set-cookie']);
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    assert.equal((await get('/api/health', { Cookie: cookie.split(';')[0] }, p)).status, 200);
    assert.equal((await get('/?token=nope', {}, p)).status, 401);
  } finally {
    await guarded.close();
  }
  assert.ok(!logged.some((l) => l.includes(token)), 'the token never reaches the log');
});

test('binding beyond loopback without a token refuses to start', async () => {
  await assert.rejects(
    () => startServer(config({ db: '/nonexistent/never-opened.duckdb', host: '0.0.0.0' }), () => undefined),
    (err: Error) => err instanceof ServeError && /give a token/.test(err.message),
  );
});

test('a query whose client goes away is cancelled, not run to the end', async () => {
  const errorsBefore = server.metrics.queryErrors;
  const queriesBefore = server.metrics.queries;
  // About 15 s of work on this estate if it ran to the end.
  const heavy =
    'FlowTuples | join kind=inner (FlowTuples) on SrcIp | join kind=inner (FlowTuples) on SrcIp | count';
  const req = request({
    host: '127.0.0.1',
    port: server.port,
    method: 'POST',
    path: '/api/query',
    headers: { 'Content-Type': 'application/json' },
  });
  req.on('error', () => undefined);
  req.end(JSON.stringify({ kql: heavy }));
  await new Promise((r) => setTimeout(r, 500));
  req.destroy();
  // The interrupted query ends as an error (a completed one would count as a success).
  for (let i = 0; i < 600 && server.metrics.queries === queriesBefore; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(server.metrics.queries, queriesBefore + 1);
  assert.equal(server.metrics.queryErrors, errorsBefore + 1);
  const ok = (await post('/api/query', { kql: 'FlowTuples | count' })).json();
  assert.equal(ok.error, null);
});
