import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetryable, withRetry } from './retry.js';

const policy = { attempts: 4, baseMs: 1, maxMs: 4 };

test('withRetry repeats throttling and network faults, then succeeds', async () => {
  let calls = 0;
  const retried: number[] = [];
  const out = await withRetry(
    () => {
      calls++;
      if (calls === 1) return Promise.reject(Object.assign(new Error('busy'), { statusCode: 503 }));
      if (calls === 2) return Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
      return Promise.resolve('ok');
    },
    policy,
    (_err, attempt) => retried.push(attempt),
  );
  assert.equal(out, 'ok');
  assert.equal(calls, 3);
  assert.deepEqual(retried, [1, 2]);
});

test('withRetry gives up at once on an error not worth repeating, and after the last attempt', async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(
      () => {
        calls++;
        return Promise.reject(Object.assign(new Error('denied'), { statusCode: 403 }));
      },
      policy,
      () => undefined,
    ),
    /denied/,
  );
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(
    withRetry(
      () => {
        calls++;
        return Promise.reject(Object.assign(new Error('still busy'), { statusCode: 429 }));
      },
      policy,
      () => undefined,
    ),
    /still busy/,
  );
  assert.equal(calls, 4);
  assert.equal(isRetryable(Object.assign(new Error('x'), { statusCode: 404 })), false);
  assert.equal(isRetryable(new Error('plain')), false);
});
