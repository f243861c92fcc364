// npm run fuzz:ingest [-- ROUNDS [GIANT_MB]]: the hostile-input harness, many rounds (see
// test/hostile-harness.ts). Every round builds a new tree from its seed; a failing seed replays.
import { hostileRound } from '../dist/test/hostile-harness.js';

const rounds = Number(process.argv[2] ?? 20);
const giantMb = Number(process.argv[3] ?? 64);
let failed = 0;
for (let seed = 1; seed <= rounds; seed++) {
  const r = hostileRound(seed, { files: 40, giantMb: seed === 1 ? giantMb : 0 });
  const status = r.problems.length === 0 ? 'ok' : `FAILED: ${r.problems.join('; ')}`;
  console.log(
    `seed ${seed}: ${r.goodTuples} good tuples, hostile [${r.hostile.join(', ')}], peak ${r.peakRssMb} MB: ${status}`,
  );
  if (r.problems.length > 0) failed++;
}
console.log(`${rounds - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
