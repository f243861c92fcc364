import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Answer } from '../../src/kql/answer.js';
import { ServerAnswerCache } from '../../src/serve/answer-cache.js';

const answer = (n: number): Answer => ({
  columns: [{ name: 'x', type: 'long' }],
  rows: [[n]],
  render: null,
  error: null,
});

test('a compilation is reused only for a query whose SQL cannot depend on now()', () => {
  const c = new ServerAnswerCache();
  const t1 = new Date('2026-06-01T00:00:00Z');
  const t2 = new Date('2026-06-02T12:00:00Z');
  const timeless = 'FlowTuples | where DestPort == 22 | count';
  const first = c.compile(timeless, t1);
  c.compile(timeless, t1);
  assert.equal(
    c.compile(timeless, t2),
    c.compile(timeless, t2),
    'kept by its text from the second sighting on',
  );
  assert.equal(c.compile(timeless, t2).sql, first.sql);
  const timed = 'FlowTuples | where TimeGenerated > ago(1h) | count';
  c.compile(timed, t1);
  c.compile(timed, t1);
  const later = c.compile(timed, t2);
  assert.notEqual(later.sql, c.compile(timed, t1).sql, 'ago() is compiled at the time asked');
  assert.match(later.sql, /2026-06-02/);
});

test('answers are not kept or served while a write is under way, and go when it changed the data', () => {
  const c = new ServerAnswerCache();
  c.set('SELECT 1', 10, answer(1));
  assert.deepEqual(c.get('SELECT 1', 10)?.rows, [[1]]);
  assert.equal(c.get('SELECT 1', 20), undefined, 'the row limit is part of the key');
  c.beginWrite();
  assert.equal(c.get('SELECT 1', 10), undefined);
  c.set('SELECT 2', 10, answer(2));
  c.endWrite(false);
  assert.deepEqual(c.get('SELECT 1', 10)?.rows, [[1]], 'a write that changed nothing keeps the answers');
  assert.equal(c.get('SELECT 2', 10), undefined, 'nothing set during a write was kept');
  c.beginWrite();
  c.beginWrite();
  c.endWrite(true);
  assert.equal(c.get('SELECT 1', 10), undefined, 'nested writes: still writing');
  c.endWrite(false);
  assert.equal(c.get('SELECT 1', 10), undefined, 'the change of the inner write empties the cache');
});
