import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { bundledOwner, encodeOwnerRanges, ownerRangesReader } from '../src/enrich/owner-ranges.js';
import { ipv4ToNumber } from '../src/enrich/ip.js';
import { memoryStore } from './helpers.js';

const ip = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

test('owner ranges: overlaps go to the least name, gaps and non-IPv4 addresses have no owner', () => {
  const lookup = ownerRangesReader(
    encodeOwnerRanges([
      { start: 40, end: 50, owner: 'Ç Networks' },
      { start: 10, end: 20, owner: 'Beta' },
      { start: 15, end: 30, owner: 'Alpha' },
      { start: 31, end: 35, owner: 'Alpha' },
      { start: 2 ** 32 - 2, end: 2 ** 32 - 1, owner: 'Top' },
    ]),
  );
  const at = (n: number): string | null => lookup(ip(n));
  assert.deepEqual([9, 10, 14, 15, 20, 21, 30, 35, 36, 39, 40, 50, 51, 2 ** 32 - 1].map(at), [
    null,
    'Beta',
    'Beta',
    'Alpha',
    'Alpha',
    'Alpha',
    'Alpha',
    'Alpha',
    null,
    null,
    'Ç Networks',
    'Ç Networks',
    null,
    'Top',
  ]);
  assert.equal(lookup('2001:db8::1'), null);
  assert.equal(lookup('not an address'), null);
  assert.throws(
    () => ownerRangesReader(Buffer.from('something else entirely')),
    /not a vnetflow owner-ranges file/,
  );
});

test('the bundled owner file answers as a range join over the shipped CSV does', async () => {
  const require = createRequire(import.meta.url);
  const csv = join(dirname(require.resolve('@ip-location-db/asn/package.json')), 'asn-ipv4-num.csv');
  const store = await memoryStore();
  // Addresses spread over the whole space, both ends of ranges and the addresses just outside, and
  // the ends of every range that overlaps an earlier one (the CSV holds one such pair).
  const probes = await store.rows(`
    WITH r AS (SELECT column0::UBIGINT AS s, column1::UBIGINT AS e, column3 AS o FROM read_csv('${csv}', header = false,
      columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR', 'column2': 'VARCHAR', 'column3': 'VARCHAR'})),
    p AS (SELECT (hash(i) % 4294967296)::UBIGINT AS n FROM range(3000) t(i)
          UNION SELECT s FROM r USING SAMPLE 500 ROWS (reservoir, 1) UNION SELECT e FROM r USING SAMPLE 500 ROWS (reservoir, 2)
          UNION SELECT s - 1 FROM r WHERE s > 0 USING SAMPLE 300 ROWS (reservoir, 3)
          UNION SELECT e + 1 FROM r USING SAMPLE 300 ROWS (reservoir, 4)
          UNION SELECT unnest([s, e, pe]) FROM (
            SELECT s, e, max(e) OVER (ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pe FROM r) WHERE s <= pe)
    SELECT p.n, min(r.o) AS owner FROM p LEFT JOIN r ON p.n BETWEEN r.s AND r.e GROUP BY p.n`);
  assert.ok(probes.length > 4000, `${probes.length} probes`);
  const owned = probes.filter((p) => p.owner !== null).length;
  assert.ok(owned > 1500, `${owned} of ${probes.length} probes have an owner`);
  const wrong = probes.filter(
    (p) => bundledOwner(ip(Number(p.n))) !== (p.owner === null ? null : String(p.owner)),
  );
  assert.deepEqual(wrong.slice(0, 5), []);
  assert.equal(ipv4ToNumber(ip(Number(probes[0].n))), Number(probes[0].n));
});
