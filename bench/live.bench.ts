// npm run bench:live: how soon a block Azure commits to a PT1H.json is queryable through the API,
// and what the storage account is asked to do for it. A writer appends one block per NIC per
// (compressed) minute to Azurite, the way Azure does, while `vnetflow serve --watch az://...` runs
// in its own process: first polling (the default 10 s), then with Event Grid pushes. In the same
// run, the peer's way (list the container every cycle and download every changed blob whole) is
// run against the same writes, and the ratios are printed.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { CLI, tempDir } from '../test/helpers.js';
import { AppendWriter, flowLogBlobName, v4RecordText } from '../test/sources/append-writer.js';
import { DEV_ACCOUNT, startAzurite, type Azurite } from '../test/sources/azurite.js';

const NICS = Number(process.env.NICS ?? 200);
const ROUNDS = Number(process.env.ROUNDS ?? 12);
/** One Azure minute lasts this long here: the writes come 10x faster than Azure's. */
const MINUTE_MS = Number(process.env.MINUTE_MS ?? 6000);
const TUPLES = 20;
const POLL = '10s';
const ROOT =
  'flowLogResourceID=/00000000-0000-0000-0000-000000000001/NETWORKWATCHERRG/NETWORKWATCHER_WESTEUROPE_FL-BENCH/';

interface Commit {
  readonly nic: number;
  readonly total: number;
  readonly at: number;
}

const mac = (i: number): string => `0022488${String(i).padStart(5, '0')}`;

async function serve(azurite: Azurite, container: string): Promise<{ child: ChildProcess; url: string }> {
  const db = join(tempDir('vnetflow-bench-live-'), 'live.duckdb');
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--db', db, '--port', '0', '--poll', POLL, '--watch', `az://${DEV_ACCOUNT}/${container}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    },
  );
  let out = '';
  child.stderr!.resume();
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /vnetflow serve: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1].replace(/\/$/, ''));
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { child, url };
}

async function countsByNic(url: string): Promise<Map<string, number>> {
  const r = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kql: 'FlowTuples | summarize n = count() by MacAddress' }),
  });
  const body = (await r.json()) as { rows: [string, number][] };
  return new Map(body.rows.map(([m, n]) => [m, Number(n)]));
}

/** The peer's way: every cycle, list the whole container and download each changed blob whole. */
function peerPoller(
  azurite: Azurite,
  container: string,
): { stop: () => Promise<{ ops: number; bytes: number }> } {
  const client = azurite.service().getContainerClient(container);
  const seen = new Map<string, string>();
  let ops = 0;
  let bytes = 0;
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      ops++;
      for await (const b of client.listBlobsFlat()) {
        if (seen.get(b.name) === b.properties.etag) continue;
        seen.set(b.name, b.properties.etag ?? '');
        ops++;
        bytes += (await client.getBlobClient(b.name).downloadToBuffer()).length;
      }
      await new Promise((r) => setTimeout(r, 10_000));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return { ops, bytes };
    },
  };
}

async function run(azurite: Azurite, mode: 'poll' | 'push'): Promise<void> {
  const container = `bench-${mode}`;
  const writer = new AppendWriter(await azurite.container(container));
  const { child, url } = await serve(azurite, container);
  const peer = peerPoller(azurite, container);
  const commits: Commit[] = [];
  const totals = new Array<number>(NICS).fill(0);
  const latencies: number[] = [];
  const pending: Commit[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing || pending.length > 0) {
      const counts = await countsByNic(url);
      const now = Date.now();
      for (let i = pending.length - 1; i >= 0; i--) {
        const c = pending[i];
        if ((counts.get(mac(c.nic)) ?? 0) >= c.total) {
          latencies.push(now - c.at);
          pending.splice(i, 1);
        }
      }
      if (!probing && pending.length > 0 && now - commits[commits.length - 1].at > 120_000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  const started = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const roundStart = Date.now();
    const now = Date.now();
    const hour = now - (now % 3_600_000);
    // Azure writes the NICs' blocks spread over the minute, not all at once.
    await Promise.all(
      Array.from({ length: NICS }, async (_, i) => {
        await new Promise((r) => setTimeout(r, (i / NICS) * MINUTE_MS * 0.8));
        const t = Date.now();
        const name = flowLogBlobName(ROOT, hour, mac(i));
        const tuples = Array.from(
          { length: TUPLES },
          (_, k) =>
            `${t + k},10.2.${i % 250}.4,203.0.113.${(k % 250) + 1},${20000 + round * 100 + k},443,6,O,E,NX,3,300,2,900`,
        );
        await writer.append(name, v4RecordText(mac(i), t, tuples));
        totals[i] += TUPLES;
        const c = { nic: i, total: totals[i], at: Date.now() };
        commits.push(c);
        pending.push(c);
        if (mode === 'push')
          await fetch(`${url}/api/events/blob`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify([
              {
                eventType: 'Microsoft.Storage.BlobCreated',
                data: { api: 'PutBlockList', url: `${azurite.endpoint}/${container}/${name}` },
              },
            ]),
          });
      }),
    );
    await new Promise((r) => setTimeout(r, Math.max(0, MINUTE_MS - (Date.now() - roundStart))));
  }
  probing = false;
  await prober;
  const seconds = (Date.now() - started) / 1000;
  const peerCost = await peer.stop();
  const sources = (await (await fetch(`${url}/api/sources`)).json()) as {
    sources: { storage: { list: number; blockList: number; read: number; bytesRead: number } }[];
  };
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const s = sources.sources[0].storage;
  latencies.sort((a, b) => a - b);
  const q = (p: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] / 1000;
  const blocks = commits.length;
  // At Azure's pace (a block a minute per NIC, several polls a minute) every blob read is one
  // block list and one ranged read, so a NIC-hour costs 60 blob reads plus its share of the
  // listings an hour of this poll interval makes. Here the writes come faster than the polls, so
  // one read may take several blocks: the figure per blob read is what carries over.
  const perRead = (s.blockList + s.read) / Math.max(1, s.blockList);
  const listsPerHour = (s.list / seconds) * 3600;
  const perNicHour = perRead * 60 + listsPerHour / NICS;
  const minimum = 2 * 60 + 3600 / 10 / NICS;
  console.log(
    `\n${mode === 'poll' ? `polling every ${POLL}` : 'Event Grid push (and polling)'}: ${NICS} NICs, ${blocks} blocks in ${seconds.toFixed(0)} s`,
  );
  console.log(
    `  latency commit -> queryable: p50 ${q(0.5).toFixed(1)} s, p99 ${q(0.99).toFixed(1)} s, max ${q(1).toFixed(1)} s (${latencies.length}/${blocks} seen)`,
  );
  console.log(
    `  storage calls: ${s.list} list, ${s.blockList} block-list, ${s.read} read (${(s.bytesRead / 1048576).toFixed(1)} MiB)`,
  );
  console.log(
    `  calls per blob read: ${perRead.toFixed(2)} (block list + ranged read); ${listsPerHour.toFixed(0)} listings an hour`,
  );
  console.log(
    `  per NIC-hour at Azure's pace: ${perNicHour.toFixed(1)} calls; minimum ${minimum.toFixed(1)}; ratio ${(perNicHour / minimum).toFixed(2)}x`,
  );
  console.log(
    `  peer (list all, download changed blobs whole): ${peerCost.ops} calls, ${(peerCost.bytes / 1048576).toFixed(1)} MiB; bytes ratio peer/vnetflow ${(peerCost.bytes / Math.max(1, s.bytesRead)).toFixed(1)}x`,
  );
}

const azurite = await startAzurite();
try {
  await run(azurite, 'poll');
  await run(azurite, 'push');
} finally {
  await azurite.stop();
}
