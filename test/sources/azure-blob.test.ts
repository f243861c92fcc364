import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  generateBlobSASQueryParameters,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { ingest } from '../../src/ingest/ingest.js';
import { AzureBlobSource } from '../../src/sources/azure-blob/azure-blob-source.js';
import type { Store } from '../../src/store/store.js';
import { count, memoryStore } from '../helpers.js';
import { AppendWriter, flowLogBlobName, v4RecordText } from './append-writer.js';
import { connectionString, DEV_ACCOUNT, DEV_KEY, startAzurite, type Azurite } from './azurite.js';
import { startFaultProxy } from './fault-proxy.js';

const HOUR = 3_600_000;
const H = Date.UTC(2026, 11, 5, 14);
const ROOT =
  'flowLogResourceID=/00000000-0000-0000-0000-000000000001/NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_FL-VNET/';
const MACS = ['00224871C0A1', '00224871C0A2', '00224871C0A3'];

let azurite: Azurite;
let containers = 0;

before(async () => {
  azurite = await startAzurite();
});
after(async () => {
  await azurite?.stop();
});

/** A fresh container with its writer, and a watch source over it on a clock the test moves. */
async function setup(
  mode: 'watch' | 'once' = 'watch',
  catchUpMs?: number,
): Promise<{
  name: string;
  writer: AppendWriter;
  clock: { now: number };
  source: AzureBlobSource;
  store: Store;
}> {
  const name = `flowlogs-${++containers}`;
  const writer = new AppendWriter(await azurite.container(name));
  const clock = { now: H + 5 * 60_000 };
  const source = new AzureBlobSource(`az://${DEV_ACCOUNT}/${name}`, {
    mode,
    now: () => clock.now,
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    retry: { attempts: 6, baseMs: 5, maxMs: 50 },
    ...(catchUpMs ? { catchUpMs } : {}),
  });
  return { name, writer, clock, source, store: await memoryStore() };
}

let tupleSeq = 0;
/** One minute's record of a NIC with two unique tuples. */
function record(mac: string, minute: number): string {
  const t = H + minute * 60_000;
  const tuples = [0, 1].map(
    (k) =>
      `${t + k},10.0.0.${4 + k},192.0.2.${(++tupleSeq % 250) + 1},${40000 + (tupleSeq % 20000)},443,6,O,E,NX,1,100,1,200`,
  );
  return v4RecordText(mac, t, tuples);
}

const delta = (a: ReturnType<AzureBlobSource['counts']>, b: ReturnType<AzureBlobSource['counts']>) => ({
  list: b.list - a.list,
  blockList: b.blockList - a.blockList,
  read: b.read - a.read,
});

test('a watch reads new blocks once each: one block list and one ranged read per grown blob', async () => {
  const { writer, clock, source, store } = await setup();
  for (const mac of MACS)
    for (let m = 0; m < 3; m++) await writer.append(flowLogBlobName(ROOT, H, mac), record(mac, m));
  const first = await ingest({ store, sources: [source] });
  assert.equal(first.tuplesStored, 18);
  assert.equal(first.filesRead, 3);
  // Two more minutes on two NICs; the third NIC is unchanged.
  for (const mac of MACS.slice(0, 2))
    for (let m = 3; m < 5; m++) await writer.append(flowLogBlobName(ROOT, H, mac), record(mac, m));
  clock.now += 60_000;
  const before = source.counts();
  const second = await ingest({ store, sources: [source] });
  const ops = delta(before, source.counts());
  assert.equal(second.tuplesStored, 8);
  assert.equal(second.tuplesRead, 8, 'only the new records are read');
  assert.deepEqual(second.sources.map((s) => s.status).sort(), ['grown', 'grown', 'unchanged']);
  assert.deepEqual(
    ops,
    { list: 2, blockList: 2, read: 2 },
    'two hour listings, then per grown blob one block list and one read',
  );
  // Nothing new: only the listings.
  const idle = source.counts();
  const third = await ingest({ store, sources: [source] });
  assert.equal(third.tuplesStored, 0);
  assert.deepEqual(delta(idle, source.counts()), { list: 2, blockList: 0, read: 0 });
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 26);
  assert.equal(
    await count(store, 'SELECT count(DISTINCT (SrcIp, DestIp, SrcPort, TimeGenerated)) FROM FlowTuples'),
    26,
  );
});

test('hour boundaries: the previous hour is still read, older hours when pushed or at the catch-up', async () => {
  const { writer, clock, source, store } = await setup('watch', 3 * HOUR);
  const [a, b] = MACS;
  await writer.append(flowLogBlobName(ROOT, H, a), record(a, 0));
  await ingest({ store, sources: [source] });
  // The clock passes into the next hour; Azure writes the new hour and a late block into the old.
  clock.now = H + HOUR + 2 * 60_000;
  await writer.append(flowLogBlobName(ROOT, H + HOUR, a), record(a, 61));
  await writer.append(flowLogBlobName(ROOT, H, b), record(b, 59));
  const s = await ingest({ store, sources: [source] });
  assert.equal(s.tuplesStored, 4);
  // Two hours on, a block written into hour H is outside the live hours: a push names it.
  clock.now = H + 2 * HOUR + 60_000;
  await writer.append(flowLogBlobName(ROOT, H, a), record(a, 30));
  const before = source.counts();
  assert.equal((await ingest({ store, sources: [source] })).tuplesStored, 0);
  assert.equal(source.counts().read - before.read, 0, 'hour H is not listed, so not read');
  source.notify(flowLogBlobName(ROOT, H, a));
  assert.equal((await ingest({ store, sources: [source] })).tuplesStored, 2);
  // Unpushed, a late block in an old hour is read by the next whole listing (here every 3 h).
  await writer.append(flowLogBlobName(ROOT, H, b), record(b, 31));
  clock.now = H + 3 * HOUR + 10 * 60_000;
  assert.equal((await ingest({ store, sources: [source] })).tuplesStored, 2);
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 10);
});

test('rewritten, shrunk and deleted blobs: nothing stored twice, loss upstream recorded', async () => {
  const { writer, source, store, name } = await setup();
  const blob = flowLogBlobName(ROOT, H, MACS[0]);
  const records = [0, 1, 2].map((m) => record(MACS[0], m));
  for (const r of records) await writer.append(blob, r);
  assert.equal((await ingest({ store, sources: [source] })).tuplesStored, 6);
  // Rewritten in one piece (not Azure's way): the same three records plus one new.
  const extra = record(MACS[0], 3);
  const client = (await azurite.container(name)).getBlockBlobClient(blob);
  const body = `{"records":[${[...records, extra].join(',')}]}`;
  await client.upload(body, body.length);
  writer.forget(blob);
  const rewritten = await ingest({ store, sources: [source] });
  assert.equal(rewritten.sources[0].status, 'changed');
  assert.equal(rewritten.tuplesStored, 2);
  assert.equal(rewritten.duplicatesSkipped, 6);
  // Shrunk to one record: read again, nothing new, nothing lost.
  const small = `{"records":[${records[0]}]}`;
  await client.upload(small, small.length);
  const shrunk = await ingest({ store, sources: [source] });
  assert.equal(shrunk.tuplesStored, 0);
  assert.equal(shrunk.filesRejected, 0);
  // Deleted between the listing and the read (retention, or a user): recorded, not fatal.
  const other = flowLogBlobName(ROOT, H, MACS[1]);
  await writer.append(other, record(MACS[1], 0));
  const deleting = {
    type: 'test',
    async *list() {
      for await (const item of source.list()) {
        if (item.uri.endsWith(other)) await (await azurite.container(name)).deleteBlob(other);
        yield item;
      }
    },
  };
  const gone = await ingest({ store, sources: [deleting] });
  assert.equal(gone.tuplesStored, 0);
  const [err] = await store.rows(
    `SELECT SourceUri, Reason FROM IngestErrors WHERE SourceUri LIKE '%${MACS[1]}%'`,
  );
  assert.equal(err.SourceUri, `az://${DEV_ACCOUNT}/${name}/${other}`);
  assert.match(String(err.Reason), /deleted before it was read/);
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 8);
});

test('throttling and dropped connections are retried with backoff; the result is the same', async () => {
  const { writer, name } = await setup();
  for (const mac of MACS)
    for (let m = 0; m < 4; m++) await writer.append(flowLogBlobName(ROOT, H, mac), record(mac, m));
  const proxy = await startFaultProxy(azurite.port, { every: 3 });
  try {
    const source = new AzureBlobSource(`az://${DEV_ACCOUNT}/${name}`, {
      mode: 'once',
      env: {
        AZURE_STORAGE_CONNECTION_STRING: connectionString(`http://127.0.0.1:${proxy.port}/${DEV_ACCOUNT}`),
      },
      retry: { attempts: 8, baseMs: 5, maxMs: 40 },
    });
    const store = await memoryStore();
    const s = await ingest({ store, sources: [source] });
    assert.equal(s.tuplesStored, 24);
    assert.equal(s.filesRejected, 0);
    const c = source.counts();
    assert.ok(
      proxy.faults() > 0 && c.retries >= proxy.faults(),
      `${proxy.faults()} faults, ${c.retries} retries`,
    );
    assert.ok(c.throttled > 0);
  } finally {
    await proxy.stop();
  }
});

test('a wrong key or an expired SAS fails with a clear message and no secret in it', async () => {
  const { name, writer } = await setup();
  await writer.append(flowLogBlobName(ROOT, H, MACS[0]), record(MACS[0], 0));
  const wrongKey = Buffer.from('not the key of this account, at all').toString('base64');
  const bad = new AzureBlobSource(`az://${DEV_ACCOUNT}/${name}`, {
    mode: 'once',
    env: { AZURE_STORAGE_CONNECTION_STRING: connectionString(azurite.endpoint, wrongKey) },
  });
  const store = await memoryStore();
  await assert.rejects(ingest({ store, sources: [bad] }), (err: Error) => {
    assert.equal(err.name, 'StorageError');
    assert.match(err.message, /authentication failed/);
    assert.ok(!err.message.includes(wrongKey));
    return true;
  });
  const sas = generateBlobSASQueryParameters(
    {
      containerName: name,
      permissions: ContainerSASPermissions.parse('rl'),
      startsOn: new Date(Date.now() - 2 * HOUR),
      expiresOn: new Date(Date.now() - HOUR),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
  ).toString();
  const expired = new AzureBlobSource(`${azurite.endpoint}/${name}?${sas}`, { mode: 'once' });
  await assert.rejects(ingest({ store, sources: [expired] }), (err: Error) => {
    assert.equal(err.name, 'StorageError');
    assert.match(err.message, /authentication failed|expired/);
    const sig = /sig=([^&]+)/.exec(sas)![1];
    assert.ok(!err.message.includes(sig) && !err.message.includes(decodeURIComponent(sig)));
    return true;
  });
  // A valid SAS reads, and the stored identity carries no part of it.
  const good = generateBlobSASQueryParameters(
    {
      containerName: name,
      permissions: ContainerSASPermissions.parse('rl'),
      expiresOn: new Date(Date.now() + HOUR),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT, DEV_KEY),
  ).toString();
  const ok = await ingest({
    store,
    sources: [new AzureBlobSource(`${azurite.endpoint}/${name}?${good}`, { mode: 'once' })],
  });
  assert.equal(ok.tuplesStored, 2);
  const uris = await store.rows('SELECT source_uri FROM _vnetflow_checkpoints');
  assert.ok(uris.every((r) => !String(r.source_uri).includes('sig=')));
  assert.equal(
    await count(
      store,
      `SELECT count(*) FROM FlowTuples WHERE SourceUri LIKE 'az://${DEV_ACCOUNT}/${name}/%'`,
    ),
    2,
  );
});

test('a watch finds a flow log that appears later, and catches it up whole', async () => {
  const { writer, clock, source, store } = await setup();
  await writer.append(flowLogBlobName(ROOT, H, MACS[0]), record(MACS[0], 0));
  await ingest({ store, sources: [source] });
  const other = ROOT.replace('FL-VNET', 'FL-SPOKE');
  // An older hour of the new flow log: only a catch-up of its whole root reads it.
  await writer.append(flowLogBlobName(other, H - 5 * HOUR, MACS[2]), record(MACS[2], -300));
  clock.now += 11 * 60_000;
  const s = await ingest({ store, sources: [source] });
  assert.equal(s.tuplesStored, 2);
  assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), 4);
});
