/**
 * Detection benchmark: on one generated day (BENCH_SCALE, default 40: about 9.6M tuples, ingested
 * once with the reference data and the Traffic Analytics tables), times in the same run
 *   (a) `vnetflow detect --reset`: every built-in rule on its schedule over the day, alerts stored
 *       with their evidence counted,
 *   (b) the same rules written by hand as DuckDB SQL, run on the same schedule over the same
 *       tables with the same allow-list, in a process of its own: what a DuckDB user would write,
 *       finding rows but storing nothing,
 * each BENCH_ROUNDS times (default 3), alternating, and prints the medians, the tuples/s and the
 * ratio. Both must find the same number of result rows per rule (a check that the hand SQL says
 * what the KQL says); the target is a day under 10 s. Then it times `vnetflow export` of the day
 * to a file as ECS, OCSF and raw records (BENCH_EXPORT=0 skips it; the target is 300k events/s).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../src/detect/load-rules.js';
import { generate } from '../src/synth/generate.js';
import { handRules } from './detect-sql.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const scale = Number(process.env.BENCH_SCALE ?? '40');
const work = process.env.BENCH_DIR ?? mkdtempSync(join(tmpdir(), 'vnetflow-bench-detect-'));
const env = join(work, 'env');
const db = join(work, 'detect.duckdb');

function run(args: string[]): { seconds: number; stdout: string; stderr: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { seconds, stdout: r.stdout, stderr: r.stderr };
}

if (!existsSync(join(env, 'ground-truth.json'))) {
  console.log(`generating a day at scale ${scale} into ${env} ...`);
  generate({ out: env, seed: 2, hours: 24, end: new Date('2026-11-01T00:00:00Z'), scale, format: 'vnet' });
}
if (!existsSync(db)) {
  console.log('ingesting (untimed) ...');
  run([CLI, 'ingest', '--no-detect', '--db', db, env]);
}
const tuples = (
  JSON.parse(readFileSync(join(env, 'ground-truth.json'), 'utf8')) as { totals: { tuples: number } }
).totals.tuples;
console.log(`data set: ${tuples.toLocaleString('en-US')} tuples, one day`);

// The hand-written contender: the allow-list resolved to addresses the way a user would (the
// built-in addresses plus the flows' addresses inside the allow-listed service tags), then each
// rule's SQL per scheduled window.
const rules = loadRules([]);
const script = join(work, 'hand.mjs');
writeFileSync(
  script,
  `import { DuckDBInstance } from ${JSON.stringify(join(ROOT, 'node_modules', '@duckdb', 'node-api', 'lib', 'index.js'))};
const db = await DuckDBInstance.create(${JSON.stringify(db)}, { access_mode: 'READ_ONLY' });
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");
const rows = async (sql) => (await c.runAndReadAll(sql)).getRowObjects();
const rules = ${JSON.stringify(handRules(rules.allowList))};
const tags = ${JSON.stringify(rules.allowList.serviceTags)};
const [range] = await rows("SELECT epoch_ms(min(TimeGenerated)) AS a, epoch_ms(max(TimeGenerated)) AS b FROM FlowTuples");
const tagged = await rows(\`SELECT DISTINCT ip FROM (SELECT SrcIp AS ip FROM FlowTuples UNION SELECT DestIp FROM FlowTuples) f
  JOIN _service_tags t ON regexp_full_match(ip, '\\\\d+\\\\.\\\\d+\\\\.\\\\d+\\\\.\\\\d+')
   AND (split_part(ip, '.', 1)::UBIGINT << 24) + (split_part(ip, '.', 2)::UBIGINT << 16) + (split_part(ip, '.', 3)::UBIGINT << 8) + split_part(ip, '.', 4)::UBIGINT BETWEEN t.RangeStart AND t.RangeEnd
  WHERE list_contains(\${JSON.stringify(tags).replace(/"/g, "'")}, split_part(t.Name, '.', 1))\`);
const allow = [...${JSON.stringify(rules.allowList.addresses)}, ...tagged.map((r) => r.ip)].map((a) => "'" + a + "'").join(', ');
const ts = (ms) => "TIMESTAMP '" + new Date(ms).toISOString().replace('T', ' ').replace('Z', '') + "'";
const found = {};
for (const r of rules) {
  const first = Math.floor(Number(range.a) / r.frequency) * r.frequency + r.frequency;
  const last = Math.floor(Number(range.b) / r.frequency) * r.frequency + r.frequency;
  let n = 0;
  for (let end = first; end <= last; end += r.frequency)
    n += (await rows(r.sql.replaceAll('{from}', ts(end - r.period)).replaceAll('{to}', ts(end)).replaceAll('{allow}', allow))).length;
  found[r.id] = n;
}
console.log(JSON.stringify(found));
`,
);

const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? '3'));
const a: number[] = [];
const b: number[] = [];
let vnetflowRows: Record<string, number> = {};
let handRows: Record<string, number> = {};
for (let round = 0; round < rounds; round++) {
  const v = run([CLI, 'detect', '--reset', '--db', db, '--format', 'ndjson']);
  a.push(v.seconds);
  // Result rows per rule: raised + suppressed + already stored, from the summary on stderr.
  vnetflowRows = Object.fromEntries(
    [
      ...v.stderr.matchAll(
        /^ {2}(\S+)\s+\d+ windows, (\d+) new alerts(?:, (\d+) suppressed)?(?:, (\d+) already stored)?/gm,
      ),
    ].map((m) => [m[1], Number(m[2]) + Number(m[3] ?? 0) + Number(m[4] ?? 0)]),
  );
  const h = run([script]);
  b.push(h.seconds);
  handRows = JSON.parse(h.stdout) as Record<string, number>;
}
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const va = median(a);
const vb = median(b);
console.log('');
console.log('rule                                 vnetflow rows  hand SQL rows');
let mismatch = false;
for (const id of Object.keys(handRows).sort()) {
  const same = vnetflowRows[id] === handRows[id];
  mismatch ||= !same;
  console.log(
    `${id.padEnd(36)} ${String(vnetflowRows[id] ?? '-').padStart(13)} ${String(handRows[id]).padStart(14)}${same ? '' : '  DIFFERENT'}`,
  );
}
console.log('');
console.log(`median of ${rounds} alternating rounds, each a process of its own`);
const rate = (s: number): string => `${Math.round(tuples / s).toLocaleString('en-US')} tuples/s`;
console.log(
  `(a) vnetflow detect       ${va.toFixed(2).padStart(7)} s  ${rate(va).padStart(22)}  (target: a day under 10 s)`,
);
console.log(`(b) hand-written DuckDB   ${vb.toFixed(2).padStart(7)} s  ${rate(vb).padStart(22)}`);
console.log(`vnetflow vs hand-written DuckDB: ${(vb / va).toFixed(2)}x`);
if (mismatch) console.log('WARNING: the two found different numbers of rows for some rules (see above)');

// Exports of the same day to a file, each in a process of its own (target: 300k events/s).
if (process.env.BENCH_EXPORT !== '0') {
  console.log('');
  for (const format of ['ecs', 'ocsf', 'raw']) {
    const out = join(work, `export.${format}.ndjson`);
    const r = run([CLI, 'export', '--db', db, '--format', format, '--out', out]);
    const events = Number(/exported ([\d,]+)/.exec(r.stderr)?.[1].replace(/,/g, '') ?? 0);
    // raw writes records (many tuples each): the rate that compares is tuples/s.
    const mb = statSync(out).size / 1e6;
    rmSync(out, { force: true });
    console.log(
      `export ${format.padEnd(5)} ${r.seconds.toFixed(2).padStart(7)} s  ${Math.round(events / r.seconds)
        .toLocaleString('en-US')
        .padStart(9)} events/s  ${Math.round(tuples / r.seconds)
        .toLocaleString('en-US')
        .padStart(10)} tuples/s  ${Math.round(mb).toLocaleString('en-US')} MB`,
    );
  }
}
if (!process.env.BENCH_DIR) rmSync(work, { recursive: true, force: true });
