// Part of `npm run build`: converts the shipped network-owner ranges (@ip-location-db/asn, a 21 MB
// CSV) into a sorted Parquet file under dist/data, once. Analytics joins the few new public
// addresses of a build straight against it: reading the Parquet takes tens of milliseconds, parsing
// the CSV a quarter of a second, and no database has to hold a copy.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
// Runs after tsc: the project's own SQL quoting.
import { sqlString } from '../dist/src/ingest/sql-literal.js';

const require = createRequire(import.meta.url);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const csv = join(dirname(require.resolve('@ip-location-db/asn/package.json')), 'asn-ipv4-num.csv');
const out = join(root, 'dist', 'data', 'asn-ipv4.parquet');

if (existsSync(out) && statSync(out).mtimeMs >= statSync(csv).mtimeMs) process.exit(0);
mkdirSync(dirname(out), { recursive: true });
const db = await DuckDBInstance.create(':memory:', {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
});
const c = await db.connect();
await c.run(`COPY (
    SELECT column0::UBIGINT AS RangeStart, column1::UBIGINT AS RangeEnd, column2::BIGINT AS Asn, column3 AS Owner
    FROM read_csv(${sqlString(csv)}, header = false,
      columns = {'column0': 'VARCHAR', 'column1': 'VARCHAR', 'column2': 'VARCHAR', 'column3': 'VARCHAR'})
    ORDER BY RangeStart)
  TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`);
c.closeSync();
db.closeSync();
