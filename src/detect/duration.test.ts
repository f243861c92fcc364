import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';

test('durations in Sentinel template shorthand and ISO 8601', () => {
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('14d'), 14 * 86_400_000);
  assert.equal(parseDuration('PT1H'), 3_600_000);
  assert.equal(parseDuration('P1D'), 86_400_000);
  assert.equal(parseDuration('PT1H30M'), 5_400_000);
  for (const bad of ['', 'P', 'PT', '1 week', '-1h', '1.5h', 'h'])
    assert.equal(parseDuration(bad), null, JSON.stringify(bad));
  assert.equal(formatDuration(86_400_000), '1d');
  assert.equal(formatDuration(5_400_000), '90m');
});
