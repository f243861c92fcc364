import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PieceScanner, splitPieces } from './framing.js';
import { jsonText } from './salvage-helpers.js';
import { splitRecordBytes } from './split-record.js';

test('a record split by its tuple lists: every piece is valid JSON, tuples in order, other fields kept', () => {
  const record = {
    time: 't',
    flowRecords: {
      flows: [
        {
          aclID: 'a',
          flowGroups: [
            { rule: 'r1', flowTuples: ['1', '2', '3'] },
            { rule: 'r2', flowTuples: [] },
          ],
        },
        { aclID: 'b', flowGroups: [{ rule: 'r3', flowTuples: ['4', '5', '[6,"]"]', '7'] }] },
      ],
    },
    note: { flowTuples: 'not a list' },
  };
  const split = splitRecordBytes(Buffer.from(JSON.stringify(record, null, 1)), 'flowTuples', 6);
  assert.ok(split);
  const pieces = split.pieces.map((p) => JSON.parse(p.toString()) as typeof record);
  assert.ok(pieces.length >= 3);
  assert.deepEqual(
    split.tuples.reduce((a, n) => a + n, 0),
    7,
  );
  const all = pieces.flatMap((p) =>
    p.flowRecords.flows.flatMap((f) => f.flowGroups.flatMap((g) => g.flowTuples)),
  );
  assert.deepEqual(all, ['1', '2', '3', '4', '5', '[6,"]"]', '7']);
  pieces.forEach((p, i) => {
    assert.equal(p.time, 't');
    assert.deepEqual(p.note, record.note);
    const n = p.flowRecords.flows.flatMap((f) => f.flowGroups.flatMap((g) => g.flowTuples)).length;
    assert.equal(n, split.tuples[i]);
  });
  assert.equal(splitRecordBytes(Buffer.from('{"a":[1,2]}'), 'flowTuples', 1), null);
});

test('the piece scanner frames the same pieces fed a byte at a time as all at once', () => {
  const text = '{"records":[{"a":"}{\\\\"},{"b":[1,{"c":"\\"]"}]} , {"d":2}]}';
  const buf = Buffer.from(text);
  const whole = splitPieces(buf, 12, true);
  const scanner = new PieceScanner(true, 12);
  for (let i = 12; i < buf.length; i++) scanner.feed(buf.subarray(i, i + 1), i);
  scanner.finish(buf.length);
  assert.deepEqual(scanner.pieces, whole.pieces);
  assert.equal(scanner.closed, true);
  assert.deepEqual(
    whole.pieces.map((p) => JSON.parse(text.slice(p.start, p.end)) as unknown),
    [{ a: '}{\\' }, { b: [1, { c: '"]' }] }, { d: 2 }],
  );
});

test('jsonText writes deep and wide values without recursion, cut at the limit', () => {
  const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
  const text = jsonText(deep);
  assert.equal(text.length, 4096);
  assert.equal(text, '['.repeat(4096));
  const value = { a: [1, 'x', null, { b: true }], c: 'q"' };
  assert.equal(jsonText(value), JSON.stringify(value));
  assert.equal(jsonText(Array.from({ length: 1_000_000 }, () => 1)).length, 4096);
});
