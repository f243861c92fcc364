import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildAnalytics } from '../src/analytics/build.js';
import { generate } from '../src/synth/generate.js';
import { openDuckDBStore } from '../src/store/duckdb/duckdb-store.js';
import type { Row, Store } from '../src/store/store.js';
import { count, ingestPaths, memoryStore, put, tempDir, v4Blob } from './helpers.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');
/** A v4 tuple of one 5-tuple per source port, at T0 + seconds. */
const tuple = (sec: number, sport: number, state: string, bytes = 0): string =>
  [
    T0 + sec * 1000,
    '10.0.0.4',
    '20.1.2.3',
    sport,
    443,
    6,
    'O',
    state,
    'X',
    ...(state === 'B' ? ['', '', '', ''] : [1, bytes, 1, bytes]),
  ].join(',');

async function flowsOf(store: Store): Promise<string[]> {
  const rows = await store.rows(
    `SELECT SrcPort, State, Tuples, BytesSrcToDest AS b,
       date_diff('second', TIMESTAMP '2026-03-01 10:00:00', FlowStartTime) AS s,
       date_diff('second', TIMESTAMP '2026-03-01 10:00:00', FlowEndTime) AS e
     FROM Flows ORDER BY SrcPort, s, e, State`,
  );
  return rows.map((r) => `${r.SrcPort} ${r.State} ${r.s}-${r.e} tuples=${r.Tuples} bytes=${r.b}`);
}

/** Row counts of two queries and of the rows each has that the other lacks (as multisets). */
async function compareRows(store: Store, expected: string, actual: string): Promise<Row> {
  const [diff] = await store.rows(`SELECT
      (SELECT count(*) FROM (${expected})) AS expected,
      (SELECT count(*) FROM (${actual})) AS actual,
      (SELECT count(*) FROM ((${expected}) EXCEPT ALL (${actual}))) AS missing,
      (SELECT count(*) FROM ((${actual}) EXCEPT ALL (${expected}))) AS extra`);
  return diff;
}

test('connections are stitched by the B/C/E/D rules, whatever the order tuples arrive in', async () => {
  // One source port per case; the tuples of each are spread over two records, out of order.
  const cases: [number, string, number, number?][] = [
    // 1: one connection, B C E
    [0, 'B', 1001],
    [60, 'C', 1001, 10],
    [120, 'E', 1001, 5],
    // 2: no B (it came before the data): C E
    [0, 'C', 1002, 7],
    [60, 'E', 1002, 3],
    // 3: a reused 5-tuple: B E B E
    [0, 'B', 1003],
    [10, 'E', 1003, 1],
    [20, 'B', 1003],
    [30, 'E', 1003, 2],
    // 4: still open: B C
    [0, 'B', 1004],
    [60, 'C', 1004, 4],
    // 5: denied attempts, each its own
    [0, 'D', 1005, 0],
    [30, 'D', 1005, 0],
    // 6: a C after an E starts a new connection (its B was lost)
    [0, 'B', 1006],
    [10, 'E', 1006, 1],
    [20, 'C', 1006, 6],
    // 7: B and E at the same instant: B first
    [0, 'E', 1007, 9],
    [0, 'B', 1007],
    // 8: an allowed connection, then a denied attempt on the same 5-tuple
    [0, 'B', 1008],
    [5, 'E', 1008, 2],
    [9, 'D', 1008, 0],
  ];
  const tuples = cases.map(([s, st, p, b]) => tuple(s, p, st, b));
  const dir = tempDir();
  // Reversed halves in two files: stitching must not depend on file or row order.
  put(join(dir, 'a.json'), v4Blob([{ tuples: tuples.filter((_, i) => i % 2 === 1).reverse() }]));
  put(join(dir, 'b.json'), v4Blob([{ tuples: tuples.filter((_, i) => i % 2 === 0) }]));
  const store = await memoryStore();
  await ingestPaths(store, [dir]);
  await buildAnalytics(store);
  assert.deepEqual(await flowsOf(store), [
    '1001 closed 0-120 tuples=3 bytes=15',
    '1002 closed 0-60 tuples=2 bytes=10',
    '1003 closed 0-10 tuples=2 bytes=1',
    '1003 closed 20-30 tuples=2 bytes=2',
    '1004 open 0-60 tuples=2 bytes=4',
    '1005 denied 0-0 tuples=1 bytes=0',
    '1005 denied 30-30 tuples=1 bytes=0',
    '1006 closed 0-10 tuples=2 bytes=1',
    '1006 open 20-20 tuples=1 bytes=6',
    '1007 closed 0-0 tuples=2 bytes=9',
    '1008 closed 0-5 tuples=2 bytes=2',
    '1008 denied 9-9 tuples=1 bytes=0',
  ]);
});

test('Flows equals the plain definition (one sorted pass over every tuple) on generated data', async () => {
  const env = tempDir();
  generate({
    out: env,
    seed: 11,
    hours: 6,
    end: new Date('2026-03-10T00:00:00Z'),
    scale: 0.5,
    format: 'vnet',
  });
  const store = await memoryStore();
  await ingestPaths(store, [join(env, 'blobs')]);
  await buildAnalytics(store);
  // The definition, written independently: a tuple starts a connection if it is a B or a D, if it
  // is the key's first, or if the one before it was an E or a D.
  const expected = `
    WITH t AS (SELECT *, CASE FlowState WHEN 'B' THEN 0 WHEN 'C' THEN 1 WHEN 'E' THEN 2 ELSE 3 END AS r FROM FlowTuples),
    s AS (SELECT *, FlowState IN ('B', 'D') OR coalesce(lag(FlowState) OVER w IN ('E', 'D'), true) AS starts FROM t
          WINDOW w AS (PARTITION BY MacAddress, AclRule, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection ORDER BY TimeGenerated, r)),
    c AS (SELECT *, sum(starts::INT) OVER (PARTITION BY MacAddress, AclRule, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection
            ORDER BY TimeGenerated, r ROWS UNBOUNDED PRECEDING) AS conn FROM s)
    SELECT MacAddress, AclRule, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection,
      min(TimeGenerated) AS FlowStartTime, max(TimeGenerated) AS FlowEndTime,
      CASE WHEN bool_or(FlowState = 'D') THEN 'denied' WHEN bool_or(FlowState = 'E') THEN 'closed' ELSE 'open' END AS State,
      count(*) AS Tuples, coalesce(sum(BytesSrcToDest), 0) AS BytesSrcToDest, coalesce(sum(PacketsDestToSrc), 0) AS PacketsDestToSrc
    FROM c GROUP BY MacAddress, AclRule, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection, conn`;
  const actual = `SELECT MacAddress, AclRule, SrcIp, SrcPort, DestIp, DestPort, Protocol, FlowDirection, FlowStartTime,
      FlowEndTime, State, Tuples, BytesSrcToDest, PacketsDestToSrc FROM Flows`;
  const diff = await compareRows(store, expected, actual);
  const [varied] = await store.rows(
    `SELECT count(*) AS n FROM (${expected}) WHERE Tuples > 2 OR State = 'denied'`,
  );
  assert.ok(Number(diff.expected) > 1000, JSON.stringify(diff));
  // The data holds reused 5-tuples and denied attempts, or the comparison would prove little.
  assert.ok(Number(varied.n) > 0, JSON.stringify(diff));
  assert.deepEqual(
    { actual: diff.actual, missing: diff.missing, extra: diff.extra },
    { actual: diff.expected, missing: 0, extra: 0 },
  );
});

test('NTANetAnalytics equals the plain definition (tuples grouped per interval), pieces summed from tuples included', async () => {
  const env = tempDir();
  generate({
    out: env,
    seed: 12,
    hours: 4,
    end: new Date('2026-03-01T12:00:00Z'),
    scale: 0.3,
    format: 'vnet',
  });
  // Beside the generated data, the pieces NTA cannot take as they are: denied and allowed tuples of
  // one 5-tuple in one interval (1101), an encryption code outside the enum (1102, on a port of its
  // own), and a connection across an interval boundary (1103), under a rule of their own.
  const tuples = [
    tuple(0, 1101, 'B'),
    tuple(5, 1101, 'D', 0),
    tuple(10, 1101, 'E', 4),
    tuple(0, 1102, 'B').replace(',443,', ',8443,').replace(',X,', ',NX_FUTURE_CODE,'),
    tuple(20, 1102, 'E', 8).replace(',443,', ',8443,').replace(',X,', ',NX_FUTURE_CODE,'),
    tuple(-30, 1103, 'B'),
    tuple(90, 1103, 'E', 16),
  ];
  put(join(env, 'blobs', 'extra.json'), v4Blob([{ rule: 'UserRule_Extra', tuples }]));
  const store = await memoryStore();
  await ingestPaths(store, [join(env, 'blobs')]);
  await buildAnalytics(store);
  const group =
    'FlowIntervalStartTime, SrcIp, DestIp, DestPort, L4Protocol, FlowDirection, FlowStatus, AclRule, MacAddress';
  const expected = `SELECT time_bucket(INTERVAL 60 MINUTES, TimeGenerated) AS FlowIntervalStartTime, SrcIp, DestIp, DestPort,
      L4Protocol, FlowDirection, FlowStatus, AclRule, MacAddress, count(DISTINCT SrcPort) AS Flows,
      count(*) FILTER (WHERE FlowState = 'E') AS CompletedFlows, min(TimeGenerated) AS FlowStartTime, max(TimeGenerated) AS FlowEndTime,
      coalesce(sum(PacketsSrcToDest), 0) AS PacketsSrcToDest, coalesce(sum(BytesSrcToDest), 0) AS BytesSrcToDest,
      coalesce(sum(PacketsDestToSrc), 0) AS PacketsDestToSrc, coalesce(sum(BytesDestToSrc), 0) AS BytesDestToSrc
    FROM FlowTuples GROUP BY ${group}`;
  const actual = `SELECT ${group}, AllowedInFlows + DeniedInFlows + AllowedOutFlows + DeniedOutFlows AS Flows, CompletedFlows,
      FlowStartTime, FlowEndTime, PacketsSrcToDest, BytesSrcToDest, PacketsDestToSrc, BytesDestToSrc FROM NTANetAnalytics`;
  const diff = await compareRows(store, expected, actual);
  assert.ok(Number(diff.expected) > 500, JSON.stringify(diff));
  assert.deepEqual(
    { actual: diff.actual, missing: diff.missing, extra: diff.extra },
    { actual: diff.expected, missing: 0, extra: 0 },
  );
  // The three cases, spelled out: the mixed piece splits into an allowed and a denied row, the
  // unknown code is shown as it came, and the connection across 10:00 counts in both hours.
  const rows = await store.rows(
    `SELECT FlowStatus, FlowEncryption, AllowedOutFlows, DeniedOutFlows, CompletedFlows, BytesSrcToDest,
       strftime(FlowIntervalStartTime, '%H') AS h
     FROM NTANetAnalytics WHERE AclRule = 'UserRule_Extra' ORDER BY h, FlowStatus, FlowEncryption`,
  );
  assert.deepEqual(
    rows.map((r) => Object.values(r).map(String).join(' ')),
    [
      'Allowed Encrypted 1 0 0 0', // 1103's B, at 09:59:30
      'Allowed Encrypted 2 0 2 20', // 1101's B and E, 1103's E
      'Allowed NX_FUTURE_CODE 1 0 1 8', // 1102
      'Denied Encrypted 0 1 0 0', // 1101's D
    ].map((x, i) => `${x} ${i === 0 ? '09' : '10'}`),
  );
});

test('a database written by an earlier Flows layout is rebuilt whole, and NTA rows name the flow log of their tuples', async () => {
  const env = tempDir();
  generate({
    out: env,
    seed: 5,
    hours: 3,
    end: new Date('2026-03-10T00:00:00Z'),
    scale: 0.2,
    format: 'vnet',
  });
  const path = join(tempDir(), 'old.duckdb');
  let store = await openDuckDBStore({ path });
  await ingestPaths(store, [join(env, 'blobs')]);
  const first = await buildAnalytics(store);
  // The layout before this one: pieces carried their file's key.
  await store.run('ALTER TABLE _flows ADD COLUMN SourceKey UBIGINT');
  store.close();
  store = await openDuckDBStore({ path });
  try {
    const [cols] = await store.rows(
      `SELECT count(*) FILTER (WHERE column_name = 'SourceKey') AS old FROM duckdb_columns()
       WHERE table_name = '_flows' AND database_name = current_database()`,
    );
    assert.deepEqual(
      { old: Number(cols.old), rows: await count(store, 'SELECT count(*) FROM _flows') },
      { old: 0, rows: 0 },
    );
    const again = await buildAnalytics(store);
    assert.equal(again.full, true, 'the dropped layout makes the next build a full one');
    assert.equal(again.flows, first.flows);
    assert.equal(again.netAnalyticsRows, first.netAnalyticsRows);
    // Each NTA row's flow log is one its NIC and rule's tuples of that interval came from.
    const [nta] = await store.rows(
      `SELECT count(*) AS n, count(*) FILTER (WHERE NOT EXISTS (
         SELECT 1 FROM FlowTuples t WHERE t.MacAddress = a.MacAddress AND t.AclRule = a.AclRule
           AND t.FlowLogResourceId = a.FlowLogResourceId AND t.TimeGenerated >= a.FlowIntervalStartTime
           AND t.TimeGenerated < a.FlowIntervalEndTime)) AS unmatched
       FROM NTANetAnalytics a`,
    );
    assert.ok(Number(nta.n) > 100, `NTA rows: ${nta.n}`);
    assert.equal(Number(nta.unmatched), 0);
  } finally {
    store.close();
  }
});
