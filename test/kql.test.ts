import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { compileKql, KqlError, runKql } from '../src/kql/run.js';
import type { Store } from '../src/store/store.js';
import { CLI, count, ingestPaths, memoryStore, put, tempDir, v4Blob } from './helpers.js';

const NOW = new Date('2022-09-15T00:00:00Z');
let store: Store;
let dir: string;

// Eight VNet tuples on two NICs in two hours, and two NSG v1 tuples (no encryption code: NULL).
before(async () => {
  dir = tempDir();
  const t = (sec: number, src: string, port: number, bytes: number): string =>
    `${1663146003 + sec}599,${src},192.0.2.180,${port},443,6,O,E,NX,1,${bytes},1,${bytes * 2}`;
  put(
    join(dir, 'PT1H.json'),
    v4Blob([
      {
        mac: '112233445566',
        tuples: [t(0, '10.0.0.6', 1, 100), t(10, '10.0.0.6', 2, 200), t(3600, '10.0.0.6', 3, 300)],
      },
      {
        mac: '665544332211',
        tuples: [
          t(20, '10.0.0.7', 4, 400),
          t(30, '10.0.0.7', 5, 500),
          t(3700, '10.0.0.7', 6, 600),
          t(3800, '10.0.0.8', 7, 700),
          t(3900, '10.0.0.8', 8, 800),
        ],
      },
    ]),
  );
  put(
    join(dir, 'nsg.json'),
    JSON.stringify({
      records: [
        {
          time: '2022-09-14T09:00:00Z',
          resourceId:
            '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG',
          properties: {
            Version: 1,
            flows: [
              {
                rule: 'r',
                flows: [
                  {
                    mac: 'AABBCCDDEEFF',
                    flowTuples: [
                      '1663146003,10.0.0.9,192.0.2.1,1,80,T,O,A',
                      '1663146004,10.0.0.9,192.0.2.1,2,80,T,O,D',
                    ],
                  },
                ],
              },
            ],
          },
        },
      ],
    }),
  );
  store = await memoryStore();
  await ingestPaths(store, [dir]);
});

const rows = async (q: string): Promise<unknown[][]> =>
  (await runKql(store, q, NOW)).rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));

test('where, summarize by bin, sort and take give the same numbers as SQL over the same rows', async () => {
  const kql = await rows(
    `FlowTuples | where FlowEncryption == "NX" and BytesSrcToDest > 100
     | summarize Bytes = sum(BytesSrcToDest), n = count() by SrcIp, bin(TimeGenerated, 1h) | sort by Bytes | take 3`,
  );
  const sql = (
    await store.rows(`SELECT SrcIp, time_bucket(INTERVAL 1 hour, TimeGenerated) AS h, sum(BytesSrcToDest)::BIGINT AS b, count(*) AS n
      FROM FlowTuples WHERE FlowEncryption = 'NX' AND BytesSrcToDest > 100 GROUP BY ALL ORDER BY b DESC LIMIT 3`)
  ).map((r) => [r.SrcIp, String(r.h), Number(r.b), Number(r.n)]);
  assert.deepEqual(
    kql.map((r) => [r[0], String(r[1]), r[2], r[3]]),
    sql,
  );
  assert.equal(kql.length, 3);
  assert.deepEqual(kql[0].slice(0, 1).concat(kql[0].slice(2)), ['10.0.0.8', 1500, 2]);
});

test('the analyzer names output columns as Kusto does (count_, sum_X) and types them', async () => {
  const t = await runKql(store, 'FlowTuples | summarize count(), sum(BytesSrcToDest) by L4Protocol', NOW);
  assert.deepEqual(
    t.columns.map((c) => c.name),
    ['L4Protocol', 'count_', 'sum_BytesSrcToDest'],
  );
});

test('strings are never null: != and isempty see a NULL string as empty', async () => {
  // The two NSG tuples have no encryption code (NULL in FlowTuples, "" to KQL).
  assert.equal((await rows('FlowTuples | where FlowEncryption != "NX" | count'))[0][0], 2);
  assert.equal((await rows('FlowTuples | where isempty(FlowEncryption) | count'))[0][0], 2);
  assert.equal(await count(store, `SELECT count(*) FROM FlowTuples WHERE FlowEncryption <> 'NX'`), 0);
});

test('long / long truncates toward zero; sort defaults to descending; ago() uses the pinned clock', async () => {
  const r = await rows('FlowTuples | extend q = (0 - 7) / 2, p = 7 / 2 | project q, p | take 1');
  assert.deepEqual(r, [[-3, 3]]);
  const ports = await rows(
    'FlowTuples | where FlowEncryption == "NX" | project SrcPort | sort by SrcPort | take 2',
  );
  assert.deepEqual(ports, [[8], [7]]);
  // 2022-09-14 09:00 is within a day of the pinned now (2022-09-15 00:00), not of the real clock.
  assert.equal((await rows('FlowTuples | where TimeGenerated > ago(1d) | count'))[0][0], 10);
});

test("unsupported constructs are refused by name with their position; analyzer errors keep Kusto's message", async () => {
  const q = 'FlowTuples | evaluate bag_unpack(SrcIp)';
  await assert.rejects(runKql(store, q, NOW), (err: Error & { diagnostics?: { start: number }[] }) => {
    assert.match(err.message, /evaluate is not supported yet/);
    assert.equal(err.diagnostics?.[0].start, q.indexOf('evaluate'));
    return true;
  });
  // Refused after lowering, by the SQL compiler: still at the refused node, not at 1:1.
  const cases: [string, string][] = [
    ['FlowTuples\n| summarize b = make_bag(pack("a", SrcIp), 5) by DestIp', 'make_bag('],
    ['print x = 1\n| extend y = indexof("abc", "b", 0, 1, 2)', 'indexof('],
    ['FlowTuples | where SrcIp has strcat("1", "0")', 'SrcIp has'],
    ['print x = dynamic([1])\n| extend z = x[tolong("0")]', 'x['],
  ];
  for (const [query, at] of cases)
    assert.throws(
      () => compileKql(query, NOW),
      (err: Error & { diagnostics?: { start: number }[] }) => {
        assert.match(err.message, /not supported yet/);
        assert.equal(err.diagnostics?.[0].start, query.indexOf(at), `${query}: ${err.message}`);
        return true;
      },
    );
  await assert.rejects(runKql(store, 'FlowTuples | where SrcIpp == "x"', NOW), /SrcIpp/);
  // Queries that once crashed the process: the memo of overloads (a function met with more
  // arguments, then fewer), and an exception inside Kusto.Language itself.
  assert.deepEqual(
    (await runKql(store, 'print s = strcat("a","","b"), e = strcat(tostring(int(null)),"z")', NOW)).rows,
    [['ab', 'z']],
  );
  // Calls the analyzer accepts must run too (found by running generated calls of every function).
  assert.deepEqual(
    (await runKql(store, 'print a = toupper(2), b = tolower(true), c = abs(-1h) / 1m', NOW)).rows,
    [['2', 'true', 60]],
  );
  assert.throws(
    () => compileKql('print c = countof("a,b", "a", 1h)', NOW),
    (err: unknown) =>
      err instanceof KqlError && /Kusto's analyzer could not check this query/.test(err.message),
  );
  await assert.rejects(
    runKql(store, 'FlowTuples | where SrcIp == \u201C10.0.0.6\u201D', NOW),
    /typographic quote/,
  );
});

test('vnetflow query: results, --explain, and errors with line, column and a caret', () => {
  const db = join(dir, 'cli.duckdb');
  const run = (...args: string[]): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.equal(run('ingest', '--db', db, '--no-analytics', dir).status, 0);
  const ok = run(
    'query',
    '--db',
    db,
    '--format',
    'json',
    '--now',
    '2022-09-15T00:00:00Z',
    'FlowTuples | count',
  );
  assert.equal(ok.status, 0, String(ok.stderr));
  assert.deepEqual(JSON.parse(String(ok.stdout)), [{ Count: 10 }]);
  const explain = run('query', '--explain', 'FlowTuples | take 1');
  assert.match(String(explain.stdout), /LIMIT 1/);
  const bad = run('query', '--db', db, 'FlowTuples\n| where SrcIpp == "x"');
  assert.equal(bad.status, 1);
  assert.match(String(bad.stderr), /line 2, column 9: .*SrcIpp[\s\S]*\| where SrcIpp == "x"\n\s+\^/);
});

test('scalar let, contains (case-insensitive), ipv4_is_in_range, iff, strcat, distinct and render', async () => {
  const t = await runKql(
    store,
    `let prefix = "10.0.0.6/31"; let big = 300;
     FlowTuples | where ipv4_is_in_range(SrcIp, prefix) and AclRule contains "INTERNET"
     | extend Size = iff(BytesSrcToDest >= big, "big", "small"), Key = strcat(SrcIp, "-", L4Protocol)
     | distinct Key, Size | sort by Size asc | render piechart`,
    NOW,
  );
  assert.equal(t.render, 'piechart');
  assert.deepEqual(t.rows.map((r) => r.join('|')).sort(), [
    '10.0.0.6-T|big',
    '10.0.0.6-T|small',
    '10.0.0.7-T|big',
  ]);
  // 10.0.0.8/31 holds 10.0.0.8 (two VNet tuples) and 10.0.0.9 (the two NSG tuples); an invalid
  // range gives null, so nothing matches.
  assert.equal((await rows('FlowTuples | where ipv4_is_in_range(SrcIp, "10.0.0.8/31") | count'))[0][0], 4);
  assert.equal((await rows('FlowTuples | where ipv4_is_in_range(SrcIp, "10.0.0.0/33") | count'))[0][0], 0);
});

test('== is case-sensitive; 7-day bins start on Mondays, counted from 0001-01-01; sum of longs stays a long', async () => {
  assert.equal((await rows('FlowTuples | where FlowDirection == "outbound" | count'))[0][0], 0);
  assert.equal((await rows('FlowTuples | where FlowDirection == "Outbound" | count'))[0][0], 10);
  // 2022-09-14 is a Wednesday: its 7-day bin starts on Monday 2022-09-12, as in Kusto.
  const [[bin]] = await rows('FlowTuples | summarize count() by bin(TimeGenerated, 7d)');
  assert.equal(String(bin), '2022-09-12 00:00:00');
  const q = 'FlowTuples | summarize s = sum(BytesSrcToDest)';
  assert.equal((await runKql(store, q, NOW)).columns[0].type, 'long');
  // The SQL, too, yields a BIGINT (DuckDB's sum would widen it to HUGEINT).
  assert.equal((await store.table(compileKql(q, NOW).sql)).columns[0].type, 'BIGINT');
});

test('join: leftouter pads, inner matches, leftsemi and leftanti filter; right-side clashes get a 1 suffix', async () => {
  const left = 'FlowTuples | where SrcIp == "10.0.0.6" | project SrcIp, SrcPort';
  const right =
    '(FlowTuples | where SrcPort < 3 and FlowEncryption == "NX" | project SrcPort, DestPort, FlowState)';
  const outer = await runKql(
    store,
    `${left} | join kind=leftouter ${right} on SrcPort | sort by SrcPort asc`,
    NOW,
  );
  assert.deepEqual(
    outer.columns.map((c) => c.name),
    ['SrcIp', 'SrcPort', 'SrcPort1', 'DestPort', 'FlowState'],
  );
  assert.deepEqual(
    outer.rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))),
    [
      ['10.0.0.6', 1, 1, 443, 'E'],
      ['10.0.0.6', 2, 2, 443, 'E'],
      // No match: numbers pad with null, strings with "" (strings are never null).
      ['10.0.0.6', 3, null, null, ''],
    ],
  );
  const n = async (kind: string): Promise<unknown> =>
    (await rows(`${left} | join kind=${kind} ${right} on $left.SrcPort == $right.SrcPort | count`))[0][0];
  assert.equal(await n('inner'), 2);
  assert.equal(await n('leftsemi'), 2);
  assert.equal(await n('leftanti'), 1);
  // The default, innerunique: the left side keeps one row per key before the inner join. Every
  // tuple of 10.0.0.7 has DestPort 443: inner gives one row per pair, innerunique one per right row.
  const dup = 'FlowTuples | where SrcIp == "10.0.0.7" | project DestPort, SrcPort';
  const other = '(FlowTuples | where SrcIp == "10.0.0.8" | project DestPort, Other = SrcPort)';
  const joined = async (kind: string): Promise<unknown> =>
    (await rows(`${dup} | join ${kind} ${other} on DestPort | count`))[0][0];
  assert.equal(await joined('kind=inner'), 3 * 2);
  assert.equal(await joined(''), 2);
  assert.equal(await joined('kind=innerunique'), 2);
});

test('extend replaces an existing column in place and names unnamed expressions as the analyzer does', async () => {
  const t = await runKql(
    store,
    'FlowTuples | where SrcIp == "10.0.0.6" | project SrcIp, SrcPort | extend SrcPort = SrcPort + 1000, strlen(SrcIp) | sort by SrcPort asc',
    NOW,
  );
  assert.deepEqual(
    t.columns.map((c) => c.name),
    // The analyzer's name for an unnamed expression is the authority (Kusto.Language: strlen_SrcIp).
    ['SrcIp', 'SrcPort', 'strlen_SrcIp'],
  );
  assert.deepEqual(
    t.rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v))),
    [
      ['10.0.0.6', 1001, 8],
      ['10.0.0.6', 1002, 8],
      ['10.0.0.6', 1003, 8],
    ],
  );
});

test('has matches whole terms, punctuation anywhere; startswith, =~ and in~ fold case, in and == do not', async () => {
  const [r] = await rows(`FlowTuples | take 1
    | extend s1 = "a|b", s2 = "North America", s3 = "Northamerica", s4 = "x/mc_y"
    | project h1 = s1 has "|", h2 = s2 has "america", h3 = s3 has "america", h4 = s4 has "/mc_",
        h5 = s2 !has "nor", h6 = s2 has_cs "america", h7 = s2 startswith "north", h8 = s2 =~ "north america",
        h9 = s2 in ("north america"), h10 = s2 in~ ("north america"), h11 = s2 !in ("x", "y"), h12 = s4 endswith "MC_Y"`);
  assert.deepEqual(r, [true, true, false, true, true, false, true, true, false, true, true, true]);
});

test('split and dynamic elements: 0-based, negative from the end, out of range null; tostring of a dynamic', async () => {
  const [r] = await rows(`FlowTuples | take 1 | extend a = split("rg/table/route", "/")
    | project head = tostring(a[0]), tail = tostring(a[-1]), none = tostring(a[7]), isnull = isnull(a[7]),
        n = array_length(a), whole = tostring(a), bag = tostring(parse_json('{"k": {"x": 5}}').k.x)`);
  assert.deepEqual(r, ['rg', 'route', '', true, 3, '["rg","table","route"]', '5']);
});

test('mv-expand: a row per element, none for an empty array, one for null; property bags by property', async () => {
  const n = await count(store, 'SELECT count(*) FROM FlowTuples');
  const expanded = async (value: string): Promise<number> =>
    Number((await rows(`FlowTuples | extend d = todynamic('${value}') | mv-expand d | count`))[0][0]);
  assert.equal(await expanded('[1, 2, 3]'), 3 * n);
  assert.equal(await expanded('[]'), 0);
  assert.equal(await expanded('null'), n);
  assert.equal(await expanded('{"a": 1, "b": 2}'), 2 * n);
  const values = await rows(
    `FlowTuples | take 1 | extend d = split("x y", " ") | mv-expand d | project v = tostring(d)`,
  );
  assert.deepEqual(values, [['x'], ['y']]);
});

test('aggregates inside expressions, countif, make_set, arg_max(x, *) and the bool/string comparison policy', async () => {
  const kb = await rows(
    'FlowTuples | summarize kb = round(sum(BytesSrcToDest) / 1024., 2), big = countif(BytesSrcToDest > 300) by SrcIp | sort by SrcIp asc',
  );
  const sql =
    // Kusto's sum over no values is 0 (10.0.0.9's NSG v1 tuples carry no byte counts); SQL's is NULL.
    await store.rows(`SELECT SrcIp, round(coalesce(sum(BytesSrcToDest), 0) / 1024.0, 2) AS kb, count(*) FILTER (WHERE BytesSrcToDest > 300) AS big
    FROM FlowTuples GROUP BY SrcIp ORDER BY SrcIp`);
  assert.deepEqual(
    kb,
    sql.map((r) => [r.SrcIp, r.kb, r.big]),
  );
  const [set] = await rows('FlowTuples | where SrcIp startswith "10.0.0." | summarize s = make_set(SrcIp)');
  assert.deepEqual(JSON.parse(String(set[0])), ['10.0.0.6', '10.0.0.7', '10.0.0.8', '10.0.0.9']);
  // The whole row of each source's biggest tuple.
  const best = await rows(
    'FlowTuples | summarize arg_max(BytesSrcToDest, *) by SrcIp | project SrcIp, BytesSrcToDest, SrcPort | sort by SrcIp asc',
  );
  assert.deepEqual(best.slice(0, 3), [
    ['10.0.0.6', 300, 3],
    ['10.0.0.7', 600, 6],
    ['10.0.0.8', 800, 8],
  ]);
  // A string literal against a number is read as a number.
  assert.equal(
    Number((await rows('FlowTuples | where DestPort == "443" | count'))[0][0]),
    await count(store, 'SELECT count(*) FROM FlowTuples WHERE DestPort = 443'),
  );
});

test('vnetflow query --jsonl: one answer line per input line, errors included; ndjson and Kusto value encoding', () => {
  const db = join(dir, 'jsonl.duckdb');
  const run = (args: string[], input?: string): ReturnType<typeof spawnSync> =>
    spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input });
  assert.equal(run(['ingest', '--db', db, '--no-analytics', dir]).status, 0);
  const lines = [
    JSON.stringify({ id: 1, kql: 'FlowTuples | count' }),
    '',
    JSON.stringify({ id: 'b', kql: 'FlowTuples\n| where Nope == 1' }),
    'not json',
    JSON.stringify({
      id: 3,
      kql: 'print big = 9007199254740993, t = 1d + 90m, d = datetime(2022-09-14 09:00:03.599), r = real(nan), j = dynamic({"a": [1]}) | render table',
    }),
    JSON.stringify({ id: 4, kql: 'print n = now()', now: '2022-01-02T03:04:05Z' }),
    JSON.stringify({
      id: 5,
      kql: `${Array.from({ length: 2000 }, (_, i) => `let v${i} = ${i ? `v${i - 1} + 1` : '1'};`).join('\n')}\nprint v1999`,
    }),
    JSON.stringify({ id: 6, kql: 'print x = 6' }),
  ];
  const r = run(['query', '--jsonl', '--db', db], lines.join('\n'));
  assert.equal(r.status, 1, 'a failed query makes the exit code 1');
  const out = String(r.stdout)
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(out.length, 7, 'the blank line is skipped, every other line answered');
  assert.match((out[5].error as { message: string }).message, /query too complex/);
  assert.deepEqual(out[6].rows, [[6]], 'the batch goes on after a query too complex to compile');
  assert.deepEqual(out[0], {
    id: 1,
    columns: [{ name: 'Count', type: 'long' }],
    rows: [[10]],
    render: null,
    error: null,
  });
  assert.equal(out[1].id, 'b');
  assert.deepEqual((out[1].error as { diagnostics: unknown[] }).diagnostics[0], {
    message: "The name 'Nope' does not refer to any known column, table, variable or function.",
    line: 2,
    column: 9,
  });
  assert.match((out[2].error as { message: string }).message, /stdin line 4 is not JSON/);
  assert.deepEqual(out[3].rows, [
    ['9007199254740993', '1.01:30:00', '2022-09-14T09:00:03.599Z', 'NaN', { a: [1] }],
  ]);
  assert.equal(out[3].render, 'table');
  assert.deepEqual(out[4].rows, [['2022-01-02T03:04:05Z']]);
  const nd = run([
    'query',
    '--db',
    db,
    '--format',
    'ndjson',
    'FlowTuples | summarize n = count() by FlowStatus | sort by FlowStatus asc',
  ]);
  assert.equal(nd.status, 0, String(nd.stderr));
  assert.deepEqual(
    String(nd.stdout)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown),
    [
      { FlowStatus: 'Allowed', n: 9 },
      { FlowStatus: 'Denied', n: 1 },
    ],
  );
});
