import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Query, Scalar, Tabular } from '../src/kql/ir.js';
import { analyze } from '../src/kql/kusto-language.js';
import { lower } from '../src/kql/lower/lowering.js';
import { UnsupportedError } from '../src/kql/lower/unsupported.js';

/** The IR layer, with no database: what each operator and function lowers to. */
function ir(kql: string): Query {
  const { code, diagnostics } = analyze(kql);
  const errors = diagnostics.filter((d) => d.severity === 'Error');
  assert.deepEqual(errors, [], kql);
  return lower(code);
}

/** The chain of tabular kinds from the source to the result. */
function kinds(t: Tabular): string[] {
  const input = 'input' in t ? kinds(t.input) : [];
  return [...input, t.kind];
}

test('top lowers to a descending sort (nulls last) and a take', () => {
  const q = ir('FlowTuples | top 5 by BytesSrcToDest');
  assert.deepEqual(kinds(q.body), ['table', 'sort', 'take']);
  const take = q.body as Extract<Tabular, { kind: 'take' }>;
  assert.equal(take.count, 5);
  const sort = take.input as Extract<Tabular, { kind: 'sort' }>;
  assert.deepEqual(
    sort.keys.map((k) => [k.desc, k.nullsFirst]),
    [[true, false]],
  );
});

test('project-rename, -away, -keep and -reorder lower to projections of the analyzer columns', () => {
  const q = ir(
    'FlowTuples | project-rename Src = SrcIp | project-keep Src, DestPort | project-reorder DestPort',
  );
  assert.deepEqual(kinds(q.body), ['table', 'project', 'project', 'project']);
  assert.deepEqual(
    q.columns.map((c) => [c.name, c.type]),
    [
      ['DestPort', 'int'],
      ['Src', 'string'],
    ],
  );
  const rename = (q.body as { input: { input: Tabular } }).input.input as Extract<
    Tabular,
    { kind: 'project' }
  >;
  const src = rename.columns.find((c) => c.name === 'Src');
  assert.deepEqual(src?.expr, { kind: 'column', name: 'SrcIp', type: 'string' });
});

test('datatable and print lower to typed literal rows', () => {
  const q = ir('datatable(a:string, b:long)["x", 1, "y", long(null)]');
  assert.equal(q.body.kind, 'rows');
  const rows = q.body as Extract<Tabular, { kind: 'rows' }>;
  assert.deepEqual(rows.columns, [
    { name: 'a', type: 'string' },
    { name: 'b', type: 'long' },
  ]);
  assert.deepEqual(rows.rows[1][1], { kind: 'literal', type: 'long', value: null });
  const p = ir('print n = 9007199254740993, r = real(nan)').body as Extract<Tabular, { kind: 'rows' }>;
  // A long beyond 2^53 keeps its digits.
  assert.deepEqual(
    p.rows[0].map((s) => (s as Extract<Scalar, { kind: 'literal' }>).value),
    ['9007199254740993', 'NaN'],
  );
});

test('union names its legs for withsource; lookup keeps the right keys once', () => {
  const u = ir('union withsource=T FlowTuples, (Flows | project SrcIp)').body as Extract<
    Tabular,
    { kind: 'union' }
  >;
  assert.deepEqual(u.source, { name: 'T', labels: ['FlowTuples', 'union_arg1'] });
  assert.equal(u.inputs.length, 2);
  const l = ir('FlowTuples | lookup (NTAIpDetails | project Ip, Location) on $left.DestIp == $right.Ip')
    .body as Extract<Tabular, { kind: 'join' }>;
  assert.equal(l.join, 'leftouter');
  assert.deepEqual(l.rightColumns, [{ from: 'Location', as: 'Location' }]);
  const j = ir('FlowTuples | join kind=fullouter (Flows) on SrcIp').body as Extract<
    Tabular,
    { kind: 'join' }
  >;
  assert.equal(j.join, 'fullouter');
  assert.ok(j.rightColumns.some((c) => c.from === 'SrcIp' && c.as === 'SrcIp1'));
});

test('tabular let, let functions and invoke are inlined; their parameters bind to the arguments', () => {
  const q = ir(`let f = (t:(SrcPort:int), n:long) { t | where SrcPort > n };
let g = (x:long) { x + 1 };
FlowTuples | invoke f(g(10))`);
  assert.deepEqual(kinds(q.body), ['table', 'where']);
  const where = q.body as Extract<Tabular, { kind: 'where' }>;
  const right = (where.predicate as Extract<Scalar, { kind: 'binary' }>).right;
  assert.deepEqual(right, {
    kind: 'binary',
    op: '+',
    left: { kind: 'literal', type: 'long', value: 10 },
    right: { kind: 'literal', type: 'long', value: 1 },
    type: 'long',
  });
});

test('mv-expand of several columns with to typeof, with_itemindex and limit', () => {
  const q = ir(
    'print a = dynamic([1]), b = dynamic(["x"]) | mv-expand with_itemindex=i a to typeof(long), b limit 3',
  );
  const m = q.body as Extract<Tabular, { kind: 'mvExpand' }>;
  assert.deepEqual(
    m.columns.map((c) => [c.name, c.to]),
    [
      ['a', 'long'],
      ['b', 'dynamic'],
    ],
  );
  assert.equal(m.index, 'i');
  assert.equal(m.limit, 3);
});

test('between, has_any, matches regex and percentiles lower to calls and aggregates', () => {
  const w = ir(
    'FlowTuples | where DestPort between (1 .. 1024) and SrcIp has_any ("10", "a") and SrcIp matches regex "^1"',
  ).body as Extract<Tabular, { kind: 'where' }>;
  const fns: string[] = [];
  const visit = (s: Scalar): void => {
    if (s.kind === 'call') fns.push(s.fn);
    if (s.kind === 'binary') [s.left, s.right].forEach(visit);
  };
  visit(w.predicate);
  assert.deepEqual(fns, ['between', 'has_any', 'matches_regex']);
  const s = ir('FlowTuples | summarize percentiles(BytesSrcToDest, 50, 95) by SrcIp').body as Extract<
    Tabular,
    { kind: 'summarize' }
  >;
  assert.deepEqual(
    s.aggregates.map((a) => [a.name, a.fn, (a.args[1] as { value: number }).value]),
    [
      ['percentile_BytesSrcToDest_50', 'percentile', 50],
      ['percentile_BytesSrcToDest_95', 'percentile', 95],
    ],
  );
});

test('constructs not supported yet are refused by name with their position', () => {
  const refuse = (kql: string, what: RegExp, at: number): void => {
    const { code } = analyze(kql);
    assert.throws(
      () => lower(code),
      (e: unknown) => e instanceof UnsupportedError && what.test(e.message) && e.start === at,
      kql,
    );
  };
  refuse('FlowTuples | evaluate bag_unpack(SrcIp)', /^evaluate is not supported yet$/, 13);
  refuse(
    'FlowTuples | make-series n = count() on TimeGenerated in range(datetime(2026-01-01), datetime(2026-01-02), 1h)',
    /^make-series with `in range\(\)`/,
    54,
  );
  refuse('FlowTuples | make-series n = count() on SrcPort step 10', /axis of type int/, 37);
  refuse(
    'FlowTuples | parse SrcIp with SrcIp "." b',
    /^parse into SrcIp, a column the input already has/,
    30,
  );
  refuse('print x = 1; print y = 2', /several queries/, 0);
});

test('parse builds one anchored RE2 pattern per kind: literal text, lazy or greedy captures, digits for numbers', () => {
  const parse = (kql: string): Extract<Tabular, { kind: 'parse' }> => {
    const q = ir(kql);
    assert.equal(q.body.kind, 'parse');
    return q.body as Extract<Tabular, { kind: 'parse' }>;
  };
  const simple = parse('print s = "" | parse s with * "a.b=" n:long "(" rest');
  assert.equal(simple.regex, '^.*?a\\.b=(-?\\d+)\\((.*)$');
  assert.deepEqual(
    simple.columns.map((c) => [c.name, c.type, c.group]),
    [
      ['n', 'long', 1],
      ['rest', 'string', 2],
    ],
  );
  assert.equal(simple.strict, true);
  assert.equal(simple.filter, false);
  // Relaxed: a number followed by a constant captures any text (converted, or null on its own).
  const relaxed = parse('print s = "" | parse kind=relaxed s with "n=" n:long "," m:real *');
  assert.equal(relaxed.regex, '^n=(.*?),(-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?).*?');
  assert.equal(relaxed.strict, false);
  // Regex: flags up front, the constants as written (their groups counted), text greedy.
  const regex = parse('print s = "" | parse-where kind=regex flags=Ui s with "(a|b)[(]=" v "," *');
  assert.equal(regex.regex, '(?Ui)^(?:(a|b)[(]=)(.*)(?:,).*?');
  assert.equal(regex.groups, 2);
  assert.deepEqual(regex.columns, [{ name: 'v', type: 'string', group: 2 }]);
  assert.equal(regex.filter, true);
});

test('make-series names its by columns, aggregates (with defaults) and axis as the analyzer does', () => {
  const q = ir(
    'FlowTuples | make-series n = count(), avg(BytesSrcToDest) default = -1 on TimeGenerated from datetime(2026-01-01) to datetime(2026-01-02) step 1h by SrcIp',
  );
  assert.equal(q.body.kind, 'makeSeries');
  const m = q.body as Extract<Tabular, { kind: 'makeSeries' }>;
  assert.deepEqual(
    q.columns.map((c) => [c.name, c.type]),
    [
      ['SrcIp', 'string'],
      ['n', 'dynamic'],
      ['avg_BytesSrcToDest', 'dynamic'],
      ['TimeGenerated', 'dynamic'],
    ],
  );
  assert.deepEqual(
    m.aggregates.map((a) => [a.name, a.fn, a.type, a.fill]),
    [
      ['n', 'count', 'long', { kind: 'literal', type: 'long', value: 0 }],
      ['avg_BytesSrcToDest', 'avg', 'real', { kind: 'literal', type: 'long', value: -1 }],
    ],
  );
  assert.equal(m.axis.name, 'TimeGenerated');
  assert.deepEqual(m.step, { kind: 'literal', type: 'timespan', value: 3_600_000_000 });
  assert.equal(m.from?.kind, 'literal');
});

test('mv-apply lowers its subquery over the sub-table; serialize with columns is an extend', () => {
  const q = ir(
    'NTANetAnalytics | mv-apply ip = split(SrcPublicIps, " ") to typeof(string) on (where ip != "" | take 1) | serialize n = row_number()',
  );
  assert.deepEqual(kinds(q.body), ['table', 'mvApply', 'extend']);
  const apply = (q.body as Extract<Tabular, { kind: 'extend' }>).input as Extract<
    Tabular,
    { kind: 'mvApply' }
  >;
  assert.deepEqual(kinds(apply.subquery), ['applyInput', 'where', 'take']);
  assert.deepEqual(
    apply.expand.columns.map((c) => [c.name, c.to]),
    [['ip', 'string']],
  );
  assert.ok(apply.columns.includes('ip') && apply.columns.includes('SrcPublicIps'));
});
