import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ingest } from '../ingest/ingest.js';
import { FileSource } from '../sources/file/file-source.js';
import { openDuckDBStore } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/store.js';
import { generate } from '../synth/generate.js';
import { type Command } from './command.js';
import { currentHour } from './generate.js';
import { formatSummary } from './ingest.js';
import { parse } from './parse.js';
import { render } from './render.js';

/** The demo's report: each section is one query over the tables users will query themselves. */
const REPORT: readonly { title: string; sql: string }[] = [
  {
    title: 'Tuples per hour',
    sql: `SELECT date_trunc('hour', TimeGenerated) AS Hour, count(*) AS Tuples,
            sum(BytesSrcToDest + BytesDestToSrc) AS Bytes
          FROM FlowTuples GROUP BY ALL ORDER BY Hour`,
  },
  {
    title: 'Top talkers by bytes (both directions, tuples seen on the source NIC)',
    sql: `SELECT SrcIp, DestIp, DestPort, L4Protocol, sum(BytesSrcToDest) AS BytesSent, sum(BytesDestToSrc) AS BytesReceived
          FROM FlowTuples WHERE FlowDirection = 'Outbound'
          GROUP BY ALL ORDER BY BytesSent + BytesReceived DESC LIMIT 10`,
  },
  {
    title: 'Denied flows by port and rule',
    sql: `SELECT DestPort, AclRule, FlowEncryption, count(*) AS Attempts, count(DISTINCT SrcIp) AS Sources
          FROM FlowTuples WHERE FlowStatus = 'Denied' GROUP BY ALL ORDER BY Attempts DESC LIMIT 10`,
  },
  {
    title: 'Top internet destinations (outbound, non-private addresses)',
    sql: `SELECT DestIp, count(DISTINCT SrcIp) AS Sources, count(*) FILTER (WHERE FlowState = 'B') AS Connections,
            sum(BytesSrcToDest) AS BytesSent
          FROM FlowTuples
          WHERE FlowDirection = 'Outbound' AND NOT regexp_matches(DestIp, '^(10\\.|192\\.168\\.|172\\.(1[6-9]|2[0-9]|3[01])\\.|f[cd])')
          GROUP BY ALL ORDER BY BytesSent DESC LIMIT 10`,
  },
];

export const demoCommand: Command = {
  name: 'demo',
  summary: 'generate, ingest and report on the synthetic environment',
  help: `Usage: vnetflow demo [--dir DIR] [--fresh]

Generates the default synthetic Azure environment (24 hours, seed 1) into DIR, ingests its flow
logs into DIR/vnetflow.duckdb and prints a short report: tuples per hour, top talkers, denied
flows by port and rule, top internet destinations. A second run reuses what is there.

Options:
  --dir DIR     work folder (default ./vnetflow-demo)
  --fresh       regenerate the environment for the current hour and start a new database
  -h, --help    show this help

Examples:
  vnetflow demo
  vnetflow demo --dir /tmp/demo --fresh && vnetflow sql --db /tmp/demo/vnetflow.duckdb "SELECT count(*) FROM FlowTuples"`,
  async run(argv) {
    const { values } = parse('demo', argv, { dir: { type: 'string' }, fresh: { type: 'boolean' } });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    const dir = resolve((values.dir as string | undefined) ?? 'vnetflow-demo');
    const env = join(dir, 'env');
    const dbFile = join(dir, 'vnetflow.duckdb');
    if (values.fresh || !existsSync(join(env, 'ground-truth.json'))) {
      console.log(`generating the synthetic environment in ${env} ...`);
      const g = generate({ out: env, seed: 1, hours: 24, end: currentHour(), scale: 1, format: 'vnet' });
      console.log(
        `  ${g.blobs} blobs, ${g.tuples.toLocaleString('en-US')} tuples in ${g.seconds.toFixed(1)} s`,
      );
      for (const f of [dbFile, `${dbFile}.wal`]) rmSync(f, { force: true });
    }
    const store = await openDuckDBStore({ path: dbFile, memoryLimit: '320MB' });
    try {
      console.log(`ingesting ${join(env, 'blobs')} into ${dbFile} ...`);
      const summary = await ingest({ store, sources: [new FileSource([join(env, 'blobs')])] });
      console.log(formatSummary(summary, false).replace(/^/gm, '  '));
      await report(store);
      const truth = JSON.parse(readFileSync(join(env, 'ground-truth.json'), 'utf8')) as {
        scenarios: { id: string; description: string; tuples: number }[];
      };
      console.log(`\nLabelled scenarios in the data (ground truth: ${join(env, 'ground-truth.json')}):`);
      for (const s of truth.scenarios)
        console.log(`  ${s.id.padEnd(18)} ${String(s.tuples).padStart(6)} tuples  ${s.description}`);
      console.log(`\nExplore: vnetflow sql --db ${dbFile} "SELECT * FROM FlowTuples LIMIT 10"`);
      return 0;
    } finally {
      store.close();
    }
  },
};

async function report(store: Store): Promise<void> {
  for (const section of REPORT) {
    console.log(`\n== ${section.title}`);
    console.log(render(await store.table(section.sql), 'table'));
  }
}
