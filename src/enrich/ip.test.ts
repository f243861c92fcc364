import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4Range, ipv4ToNumber, sqlIpv4Number, sqlIsPrivate, sqlIsPrivateText } from './ip.js';

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

test('the text test for private IPv4 agrees with the numeric one on every edge', async () => {
  const { openDuckDBStore } = await import('../store/duckdb/duckdb-store.js');
  const store = await openDuckDBStore({ path: ':memory:' });
  const cases = [
    '10.0.0.0',
    '10.255.255.255',
    '9.255.255.255',
    '11.0.0.0',
    '172.15.255.255',
    '172.16.0.0',
    '172.31.255.255',
    '172.32.0.0',
    '192.168.0.1',
    '192.169.0.1',
    '192.167.255.255',
    '010.1.1.1',
    '172.016.0.1',
    '0192.168.1.1',
    '10.1.1.300',
    '300.1.1.1',
    '1.10.1.1',
    '8.8.8.8',
    '2001:db8::1',
    'fd12::1',
    '',
    'not an address',
    '10.1.1',
    '10.1.1.1.1',
    '1010.1.1.1',
  ];
  const rows = await store.rows(
    `SELECT ip, ${sqlIsPrivate(sqlIpv4Number('ip'))} AS numeric, ${sqlIsPrivateText('ip')} AS text
     FROM (SELECT unnest($1::VARCHAR[]) AS ip)`,
    [cases],
  );
  assert.equal(rows.length, cases.length);
  for (const r of rows) assert.equal(r.text, r.numeric, String(r.ip));
  assert.deepEqual(
    rows.filter((r) => r.text === true).map((r) => r.ip),
    [
      '10.0.0.0',
      '10.255.255.255',
      '172.16.0.0',
      '172.31.255.255',
      '192.168.0.1',
      '010.1.1.1',
      '172.016.0.1',

      '10.1.1.300',
    ],
  );
  store.close();
});
