import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generate } from '../src/synth/generate.js';
import { Rng } from '../src/synth/rng.js';
import { accountingHolds, count, ingestPaths, memoryStore, tempDir } from './helpers.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)],
  );
}

const CORRUPTIONS = ['flip', 'truncate', 'insert', 'delete', 'comma', 'digit'] as const;

function corrupt(rng: Rng, buf: Buffer): Buffer {
  const at = rng.int(0, buf.length - 1);
  switch (rng.pick(CORRUPTIONS)) {
    case 'flip':
      buf[at] = buf[at] ^ (1 << rng.int(0, 7));
      return buf;
    case 'truncate':
      return buf.subarray(0, at);
    case 'insert':
      return Buffer.concat([
        buf.subarray(0, at),
        Buffer.from(rng.pick(['{', '}', '"', ',', ']', '\\', 'x', '\u00e9'])),
        buf.subarray(at),
      ]);
    case 'delete':
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + rng.int(1, 40))]);
    case 'comma':
      return Buffer.from(buf.toString('latin1').replace(/,(?=[^,"]*,)/, ',,'), 'latin1');
    case 'digit':
      buf[at] = 0x30 + rng.int(0, 9);
      return buf;
  }
}

test('random corruption of real blobs never throws out of ingest, and the accounting always holds', async () => {
  const env = tempDir();
  generate({
    out: env,
    seed: 7,
    hours: 3,
    end: new Date('2026-02-01T00:00:00Z'),
    scale: 0.3,
    format: 'vnet',
  });
  const blobs = files(join(env, 'blobs'));
  const rng = new Rng(42);
  for (let round = 0; round < 12; round++) {
    for (const f of blobs) {
      if (!rng.chance(0.4)) continue;
      let buf: Buffer = readFileSync(f);
      for (let k = rng.int(1, 4); k > 0 && buf.length > 0; k--) buf = corrupt(rng, buf);
      writeFileSync(f, buf);
    }
    const store = await memoryStore();
    const s = await ingestPaths(store, [join(env, 'blobs')]);
    assert.ok(accountingHolds(s), `round ${round}: ${JSON.stringify({ ...s, sources: undefined })}`);
    assert.equal(await count(store, 'SELECT count(*) FROM FlowTuples'), s.tuplesStored);
    assert.equal(
      await count(store, `SELECT count(*) FROM IngestErrors WHERE Level = 'tuple'`),
      s.tuplesRejected,
    );
    store.close();
  }
});
