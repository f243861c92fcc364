import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostileRound } from './hostile-harness.js';

// A bounded run of the hostile-input harness (npm run fuzz:ingest runs many more rounds and a
// giant blob): trees of good blobs mixed with hostile files, each checked end to end.
for (const seed of [1, 2, 3]) {
  test(`hostile tree ${seed}: ingest ends, good tuples stored once, bad input in IngestErrors, bounded memory, rerun adds nothing`, () => {
    const r = hostileRound(seed, { files: 12, giantMb: 0 });
    assert.deepEqual(r.problems, [], `seed ${seed}, hostile ${r.hostile.join(', ')}`);
    assert.ok(r.goodTuples > 0);
  });
}
