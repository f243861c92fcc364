import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/serve/config.js';
import { startServer } from '../../src/serve/server.js';
import { openDuckDBStore } from '../../src/store/duckdb/duckdb-store.js';
import { CLI, tempDir } from '../helpers.js';
import { AppendWriter, flowLogBlobName, v4RecordText } from './append-writer.js';
import { DEV_ACCOUNT, startAzurite, type Azurite } from './azurite.js';

// The blob source end to end: the CLI against Azurite, a kill -9 in the middle of an ingest, and
// `serve --watch az://...` reading a blob at once when Event Grid says it was written.

const ROOT =
  'flowLogResourceID=/00000000-0000-0000-0000-000000000001/NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_FL-LIVE/';
let azurite: Azurite;

before(async () => {
  azurite = await startAzurite();
});
after(async () => {
  await azurite?.stop();
});

const mac = (i: number): string => `0022487100${String(i).padStart(2, '0')}`;

/** `tuples` unique tuples in one record of NIC i at minute m of hour `hour`. */
function record(i: number, hour: number, m: number, tuples: number): string {
  const t = hour + m * 60_000;
  const list = Array.from(
    { length: tuples },
    (_, k) =>
      `${t + k},10.1.${i}.4,198.51.100.${(k % 250) + 1},${10000 + m * 200 + k},443,6,O,E,NX,3,${300 + k},2,900`,
  );
  return v4RecordText(mac(i), t, list);
}

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, ...env },
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** What a database holds, as a count and an order-free checksum of the tuples' identities. */
async function contents(db: string): Promise<{ n: number; sum: string }> {
  const store = await openDuckDBStore({ path: db });
  try {
    const [r] = await store.rows(
      'SELECT count(*) AS n, sum(hash(MacAddress, SrcIp, DestIp, SrcPort, DestPort, TimeGenerated))::VARCHAR AS sum FROM FlowTuples',
    );
    return { n: Number(r.n), sum: String(r.sum) };
  } finally {
    store.close();
  }
}

test('vnetflow ingest az://...: reads the container, prints its storage operations, refuses a bad location', async () => {
  const writer = new AppendWriter(await azurite.container('cli'));
  const hour = Date.UTC(2026, 11, 5, 9);
  for (let i = 0; i < 3; i++)
    for (let m = 0; m < 4; m++)
      await writer.append(flowLogBlobName(ROOT, hour, mac(i)), record(i, hour, m, 5));
  const db = join(tempDir(), 'cli.duckdb');
  const r = cli(['ingest', '--db', db, '--no-detect', `az://${DEV_ACCOUNT}/cli`]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /tuples +60 read = 60 stored/);
  assert.match(r.stdout, /storage +az:\/\/devstoreaccount1\/cli: 1 list, 3 block-list, 3 read operations/);
  const again = cli(['ingest', '--db', db, '--no-detect', '--json', `az://${DEV_ACCOUNT}/cli`]);
  const summary = JSON.parse(again.stdout);
  assert.equal(summary.filesUnchanged, 3);
  assert.deepEqual(
    {
      list: summary.storage['az://devstoreaccount1/cli'].list,
      read: summary.storage['az://devstoreaccount1/cli'].read,
    },
    { list: 1, read: 0 },
  );
  const bad = cli(['ingest', '--db', db, 'az://No_Such/cli']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a storage account name/);
  const missing = cli(['ingest', '--db', db, `az://${DEV_ACCOUNT}/no-such-container`]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /the container does not exist/);
  assert.ok(!/AccountKey|Eby8/.test(missing.stderr), 'the key never appears');
});

test('kill -9 at any moment, then a restart: the same tuples as one uninterrupted run', async () => {
  const writer = new AppendWriter(await azurite.container('killed'));
  const hour = Date.UTC(2026, 11, 5, 10);
  const appends: Promise<void>[] = [];
  for (let i = 0; i < 24; i++)
    appends.push(
      (async () => {
        for (let m = 0; m < 12; m++)
          await writer.append(flowLogBlobName(ROOT, hour, mac(i)), record(i, hour, m, 40));
      })(),
    );
  await Promise.all(appends);
  const src = `az://${DEV_ACCOUNT}/killed`;
  const args = (db: string): string[] => [
    'ingest',
    '--db',
    db,
    '--no-detect',
    '--no-analytics',
    '--batch-mb',
    '0.05',
    src,
  ];
  const clean = join(tempDir(), 'clean.duckdb');
  assert.equal(cli(args(clean)).status, 0);
  const expected = await contents(clean);
  assert.equal(expected.n, 24 * 12 * 40);
  const dir = tempDir();
  for (const [k, delay] of [150, 400, 800, 1300].entries()) {
    const db = join(dir, `killed-${k}.duckdb`);
    const child = spawn(process.execPath, [CLI, ...args(db)], {
      stdio: 'ignore',
      env: { ...process.env, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    });
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const rerun = cli(args(db));
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.deepEqual(await contents(db), expected, `killed after ${delay} ms`);
  }
});

test('serve --watch az://...: an Event Grid BlobCreated event makes a new block queryable at once', async () => {
  const writer = new AppendWriter(await azurite.container('pushed'));
  const token = 'event-grid-token-0123456789';
  process.env.AZURE_STORAGE_CONNECTION_STRING = azurite.connectionString;
  const server = await startServer(
    {
      ...DEFAULT_CONFIG,
      db: join(tempDir(), 'served.duckdb'),
      port: 0,
      token,
      sources: [`az://${DEV_ACCOUNT}/pushed`],
      // Polling every hour: only the push can explain a block read within seconds.
      poll: 3_600_000,
    },
    () => undefined,
  );
  const base = `http://127.0.0.1:${server.port}`;
  const auth = { authorization: `Bearer ${token}` };
  const tuples = async (): Promise<number> => {
    const r = await fetch(`${base}/api/query`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ kql: 'FlowTuples | count' }),
    });
    const body = (await r.json()) as { rows: unknown[][] };
    return Number(body.rows[0][0]);
  };
  try {
    while (!server.pipeline.last) await new Promise((r) => setTimeout(r, 50));
    // The subscription's handshake, with the token in the endpoint's query as Event Grid sends it.
    const events = `${base}/api/events/blob`;
    const validation = await fetch(`${events}?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        { eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'abc-123' } },
      ]),
    });
    assert.equal(validation.status, 200);
    assert.deepEqual(await validation.json(), { validationResponse: 'abc-123' });
    const denied = await fetch(events, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    assert.equal(denied.status, 401);
    const options = await fetch(events, {
      method: 'OPTIONS',
      headers: { ...auth, 'WebHook-Request-Origin': 'eventgrid.azure.net' },
    });
    assert.equal(options.headers.get('webhook-allowed-origin'), 'eventgrid.azure.net');

    const now = Date.now();
    const hour = now - (now % 3_600_000);
    const name = flowLogBlobName(ROOT, hour, mac(7));
    await writer.append(name, record(7, hour, 0, 3));
    const pushed = Date.now();
    const r = await fetch(events, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          eventType: 'Microsoft.Storage.BlobCreated',
          subject: `/blobServices/default/containers/pushed/blobs/${name}`,
          data: { api: 'PutBlockList', url: `${azurite.endpoint}/pushed/${name}` },
        },
        { eventType: 'Microsoft.Storage.BlobCreated', data: { url: `${azurite.endpoint}/elsewhere/x.json` } },
      ]),
    });
    assert.deepEqual(await r.json(), { accepted: 1, ignored: 1 });
    while ((await tuples()) < 3) {
      assert.ok(Date.now() - pushed < 30_000, 'the pushed block became queryable');
      await new Promise((res) => setTimeout(res, 100));
    }
    const sources = (await (await fetch(`${base}/api/sources`, { headers: auth })).json()) as {
      sources: { path: string; storage: { read: number } }[];
    };
    assert.equal(sources.sources[0].path, `az://${DEV_ACCOUNT}/pushed`);
    assert.ok(sources.sources[0].storage.read >= 1);
    const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    assert.match(
      metrics,
      /vnetflow_storage_operations_total\{source="az:\/\/devstoreaccount1\/pushed",kind="read"\} [1-9]/,
    );
    assert.match(metrics, /vnetflow_blob_events_total 2/);
  } finally {
    await server.close();
    delete process.env.AZURE_STORAGE_CONNECTION_STRING;
  }
});
