import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { generate } from '../src/synth/generate.js';
import { count, ingestPaths, memoryStore, tempDir } from './helpers.js';

const END = new Date('2026-03-10T00:00:00Z');

function treeHash(dir: string): string {
  const h = createHash('sha1');
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(relative(dir, p)).update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

interface Truth {
  scenarios: {
    id: string;
    srcIps: string[];
    dstIps: string[];
    dstPorts: number[];
    tuples: number;
    bytes: number;
  }[];
  totals: { tuples: number };
}

test('the same seed and end give byte-identical output; another seed differs', () => {
  const a = tempDir();
  const b = tempDir();
  const c = tempDir();
  generate({ out: a, seed: 3, hours: 2, end: END, scale: 0.2, format: 'vnet' });
  generate({ out: b, seed: 3, hours: 2, end: END, scale: 0.2, format: 'vnet' });
  generate({ out: c, seed: 4, hours: 2, end: END, scale: 0.2, format: 'vnet' });
  assert.equal(treeHash(a), treeHash(b));
  assert.notEqual(treeHash(a), treeHash(c));
});

test('generated data ingests cleanly and every scenario matches its ground truth', async () => {
  const out = tempDir();
  generate({ out, seed: 1, hours: 24, end: END, scale: 0.3, format: 'vnet' });
  const truth = JSON.parse(readFileSync(join(out, 'ground-truth.json'), 'utf8')) as Truth;
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(out, 'blobs')]);
  assert.equal(s.tuplesRejected, 0);
  assert.equal(s.tuplesStored, truth.totals.tuples);
  for (const sc of truth.scenarios) {
    const where = `SrcIp IN (${sc.srcIps.map((x) => `'${x}'`).join(',')}) AND DestIp IN (${sc.dstIps.map((x) => `'${x}'`).join(',')})
      AND DestPort IN (${sc.dstPorts.join(',')})`;
    assert.ok(sc.tuples > 0, `${sc.id} has tuples`);
    assert.equal(
      await count(store, `SELECT count(*) FROM FlowTuples WHERE ${where}`),
      sc.tuples,
      `${sc.id} tuples`,
    );
    assert.equal(
      await count(
        store,
        `SELECT coalesce(sum(BytesSrcToDest + BytesDestToSrc), 0) FROM FlowTuples WHERE ${where}`,
      ),
      sc.bytes,
      `${sc.id} bytes`,
    );
  }
  // The resources seed 001's queries name.
  assert.ok(
    (await count(
      store,
      `SELECT count(*) FROM FlowTuples WHERE SrcIp = '10.1.1.8' AND DestIp = '136.144.58.113'`,
    )) > 0,
  );
  assert.ok(
    (await count(
      store,
      `SELECT count(*) FROM FlowTuples WHERE SrcIp LIKE '10.4.%' AND DestIp LIKE '10.1.%'`,
    )) > 0,
  );
  assert.ok(
    (await count(
      store,
      `SELECT count(*) FROM FlowTuples WHERE SrcIp LIKE '10.1.1.%' AND DestIp IN ('10.1.1.68', '10.1.1.70')`,
    )) > 0,
  );
  assert.equal(await count(store, `SELECT count(DISTINCT FlowState) FROM FlowTuples`), 4);
  const topology = JSON.parse(readFileSync(join(out, 'topology.json'), 'utf8')) as {
    type: string;
    name: string;
    resourceGroup: string;
  }[];
  assert.ok(
    topology.some((r) => r.type === 'microsoft.network/routetables' && r.resourceGroup === 'flowlogs'),
  );
  assert.ok(topology.some((r) => r.type === 'microsoft.network/loadbalancers' && r.name.includes('web')));
  assert.ok(topology.some((r) => r.resourceGroup.startsWith('mc_')));
});

test('the NSG v2 variant writes legacy blobs that ingest as version 2', async () => {
  const out = tempDir();
  generate({ out, seed: 1, hours: 2, end: END, scale: 0.2, format: 'nsg' });
  const store = await memoryStore();
  const s = await ingestPaths(store, [join(out, 'blobs')]);
  assert.ok(s.tuplesStored > 1000);
  assert.equal(s.tuplesRejected, 0);
  assert.equal(await count(store, `SELECT count(*) FROM FlowTuples WHERE FlowLogVersion <> 2`), 0);
});
