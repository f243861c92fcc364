import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4Range, ipv4ToNumber } from './ip.js';

test('IPv4 addresses and CIDRs become numeric ranges; anything else is refused', () => {
  assert.equal(ipv4ToNumber('10.1.1.8'), 167837960);
  assert.equal(ipv4ToNumber('255.255.255.255'), 4294967295);
  assert.equal(ipv4ToNumber('10.1.1.256'), null);
  assert.equal(ipv4ToNumber('2001:db8::1'), null);
  assert.deepEqual(ipv4Range('10.4.0.0/16'), { start: 168034304, end: 168099839 });
  assert.deepEqual(ipv4Range('10.4.3.7/16'), { start: 168034304, end: 168099839 }, 'host bits are masked');
  assert.deepEqual(ipv4Range('0.0.0.0/0'), { start: 0, end: 4294967295 });
  assert.deepEqual(ipv4Range('185.220.101.47'), { start: 3118228783, end: 3118228783 });
  assert.equal(ipv4Range('10.0.0.0/33'), null);
  assert.equal(ipv4Range('10.0.0.0/8/1'), null);
});
