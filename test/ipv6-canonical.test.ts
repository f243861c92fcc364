import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { runKql } from '../src/kql/run.js';
import { count, ingestPaths, memoryStore, nsgBlob, put, tempDir, v4Blob } from './helpers.js';

// One IPv6 address can be written many ways (case, leading zeros, where the zeros are compressed).
// Stored as written, one address would be several to every group, join and lookup, and the same
// tuple in two spellings would be stored twice: addresses are stored in RFC 5952 form and the
// spellings that differed are kept in IpAddressSpellings.
test('IPv6 addresses are stored in canonical form, the same tuple in two spellings is one, and the spellings are kept', async () => {
  const dir = tempDir();
  const tuple = (src: string, dst: string, port = 443): string =>
    `1663146003599,${src},${dst},23956,${port},6,O,E,X,1,100,2,200`;
  put(
    join(dir, 'a.json'),
    v4Blob([
      {
        tuples: [
          tuple('FD00:0:0:0:0:0:0:6', '2001:0db8:0000:0000:0001:0000:0000:0001'),
          tuple('::FFFF:10.0.0.1', '2001:db8:0:1:1:1:1:1', 80),
          tuple('2001:db8::0:1', '10.0.0.7', 81),
          // Rejected (bad port), so its spelling of an address is not kept.
          tuple('2001:DB8::99', '10.0.0.7', 70000),
        ],
      },
    ]),
  );
  // The same tuple re-uploaded in another spelling: a duplicate.
  put(join(dir, 'b.json'), v4Blob([{ tuples: [tuple('fd00::6', '2001:db8::1:0:0:1')] }]));
  put(join(dir, 'nsg.json'), nsgBlob(2, ['1542110377,FD00::6,10.0.0.4,44931,22,T,I,D,B,,,,']));
  const store = await memoryStore();
  const s = await ingestPaths(store, [dir]);
  assert.equal(s.tuplesRejected, 1);
  assert.equal(s.tuplesStored, 4, 'the tuple of b.json is the first of a.json respelled');
  const ips = await store.rows(
    `SELECT DISTINCT ip FROM (SELECT SrcIp AS ip FROM FlowTuples UNION ALL SELECT DestIp FROM FlowTuples) ORDER BY ip`,
  );
  assert.deepEqual(
    ips.map((r) => r.ip),
    [
      '10.0.0.4',
      '10.0.0.7',
      '2001:db8::1',
      '2001:db8:0:1:1:1:1:1',
      '2001:db8::1:0:0:1',
      '::ffff:10.0.0.1',
      'fd00::6',
    ].sort(),
  );
  const spellings = await store.rows(
    `SELECT Ip, RawText, SourceUri LIKE '%nsg.json' AS nsg FROM IpAddressSpellings ORDER BY Ip, RawText`,
  );
  assert.deepEqual(
    spellings.map((r) => [r.Ip, r.RawText, r.nsg]),
    [
      ['2001:db8::1', '2001:db8::0:1', false],
      ['2001:db8::1:0:0:1', '2001:0db8:0000:0000:0001:0000:0000:0001', false],
      ['::ffff:10.0.0.1', '::FFFF:10.0.0.1', false],
      ['fd00::6', 'FD00:0:0:0:0:0:0:6', false],
      ['fd00::6', 'FD00::6', true],
    ],
  );
  // The rejected tuple keeps its text as written.
  assert.equal(
    await count(store, `SELECT count(*) FROM IngestErrors WHERE RawText LIKE '%2001:DB8::99%'`),
    1,
  );
  // A rerun of the same files (a re-upload elsewhere) adds no spelling twice.
  put(join(dir, 'again', 'a.json'), v4Blob([{ tuples: [tuple('FD00:0:0:0:0:0:0:6', '10.0.0.7', 82)] }]));
  await ingestPaths(store, [dir]);
  assert.equal(await count(store, 'SELECT count(*) FROM IpAddressSpellings'), 5);
  const kql = await runKql(store, 'IpAddressSpellings | where RawText =~ "fd00:0:0:0:0:0:0:6" | project Ip');
  assert.deepEqual(kql.rows, [['fd00::6']]);
});
