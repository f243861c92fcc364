import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bodyStart, closingBracket, splitPieces } from './framing.js';

test('splits a records blob, honouring braces inside strings and escapes', () => {
  const text = '{"records":[{"a":"}{\\"x"},{"b":[1,{"c":2}]}]}';
  const buf = Buffer.from(text);
  const split = splitPieces(buf, bodyStart(buf, 'records'), true);
  assert.deepEqual(
    split.pieces.map((p) => text.slice(p.start, p.end)),
    ['{"a":"}{\\"x"}', '{"b":[1,{"c":2}]}'],
  );
  assert.equal(split.closed, true);
  assert.equal(closingBracket(buf, 0, 'records'), text.lastIndexOf(']'));
});

test('a truncated object is junk, and consumption stops before it', () => {
  const buf = Buffer.from('{"records":[{"a":1},{"b":');
  const split = splitPieces(buf, bodyStart(buf, 'records'), true);
  assert.equal(split.pieces.length, 1);
  assert.equal(split.junk.length, 1);
  assert.match(split.junk[0].reason, /truncated/);
  assert.equal(split.consumedEnd, '{"records":[{"a":1}'.length);
  assert.equal(closingBracket(buf, 0, 'records'), -1);
});

test('a stream resynchronises after a garbage line', () => {
  const buf = Buffer.from('{"a":1}\ngarbage here\n{"b":2}\n');
  const split = splitPieces(buf, 0, false);
  assert.equal(split.pieces.length, 2);
  assert.equal(split.junk.length, 1);
  assert.equal(buf.toString('utf8', split.junk[0].start, split.junk[0].end), 'garbage here');
});
