import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, hostileRound } from './hostile-harness.js';

// A bounded run of the hostile-input harness (npm run fuzz:ingest runs many more rounds and a
// giant blob): trees of good blobs mixed with hostile files, each checked end to end. The seeds
// are chosen so that together their trees hold every kind of hostile file (the last test checks).
const seen = new Set<string>();
for (const seed of [8, 19, 4]) {
  test(`hostile tree ${seed}: ingest ends, good tuples stored once, bad input in IngestErrors, bounded memory, rerun adds nothing`, () => {
    const r = hostileRound(seed, { files: 12, giantMb: 0 });
    assert.deepEqual(r.problems, [], `seed ${seed}, hostile ${r.hostile.join(', ')}`);
    assert.ok(r.goodTuples > 0);
    for (const k of r.hostile) seen.add(k);
  });
}

test('the bounded hostile trees together hold every kind of hostile file', () => {
  assert.deepEqual(
    [...HOSTILE].filter((k) => !seen.has(k)),
    [],
  );
});
