// Part of `npm run build`: converts the shipped network-owner ranges (@ip-location-db/asn, a 21 MB
// CSV) into the compact sorted file that analytics looks new public addresses up in
// (src/enrich/owner-ranges.ts), under dist/data, once. DuckDB reads the CSV here; nothing at run
// time parses it or copies it into a database.
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
// Runs after tsc: the project's own SQL quoting and the file format.
import { sqlString } from '../dist/src/ingest/sql-literal.js';
import { defaultOwnerRangesPath, encodeOwnerRanges } from '../dist/src/enrich/owner-ranges.js';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const csv = join(dirname(require.resolve('@ip-location-db/asn/package.json')), 'asn-ipv4-num.csv');
const format = join(root, 'dist', 'src', 'enrich', 'owner-ranges.js');
const out = defaultOwnerRangesPath();

// The Parquet file earlier builds wrote there is no longer read.
rmSync(join(dirname(out), 'asn-ipv4.parquet'), { force: true });
const newer = (a, b) => statSync(a).mtimeMs >= statSync(b).mtimeMs;
if (existsSync(out) && newer(out, csv) && newer(out, format)) process.exit(0);
mkdirSync(dirname(out), { recursive: true });
const db = await DuckDBInstance.create(':memory:', {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
});
const c = await db.connect();
const reader =
  await c.runAndReadAll(`SELECT column0::UBIGINT::DOUBLE AS s, column1::UBIGINT::DOUBLE AS e, column3 AS o
  FROM read_csv(${sqlString(csv)}, header = false,
    columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR', 'column2': 'VARCHAR', 'column3': 'VARCHAR'})
  WHERE column3 IS NOT NULL`);
const ranges = reader.getRows().map(([s, e, o]) => ({ start: s, end: e, owner: o }));
c.closeSync();
db.closeSync();
writeFileSync(out, encodeOwnerRanges(ranges));
