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
import { buildAnalytics } from '../analytics/build.js';
import { formatAnalytics } from './analytics.js';
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
    title: 'Flow types (NTANetAnalytics, as Traffic Analytics classifies them)',
    sql: `SELECT FlowType, count(*) AS Rows, sum(AllowedInFlows + AllowedOutFlows) AS AllowedFlows,
            sum(DeniedInFlows + DeniedOutFlows) AS DeniedFlows, sum(BytesSrcToDest + BytesDestToSrc) AS Bytes
          FROM NTANetAnalytics GROUP BY ALL ORDER BY Bytes DESC`,
  },
  {
    title: 'Top talkers by bytes (seen on the source NIC)',
    sql: `SELECT SrcIp, coalesce(SrcVm, '') AS SrcVm, DestIp, DestPort, L7Protocol, FlowType,
            sum(BytesSrcToDest) AS BytesSent, sum(BytesDestToSrc) AS BytesReceived
          FROM NTANetAnalytics WHERE FlowDirection = 'Outbound' AND NOT IsFlowCapturedAtUdrHop
          GROUP BY ALL ORDER BY BytesSent + BytesReceived DESC LIMIT 10`,
  },
  {
    title: 'Top countries of internet peers',
    sql: `SELECT Country, count(DISTINCT coalesce(nullif(split_part(DestPublicIps, '|', 1), ''), split_part(SrcPublicIps, '|', 1))) AS Addresses,
            sum(BytesSrcToDest + BytesDestToSrc) AS Bytes
          FROM NTANetAnalytics WHERE Country IS NOT NULL GROUP BY ALL ORDER BY Bytes DESC LIMIT 10`,
  },
  {
    title: 'Malicious flows (threat-feed addresses) with the DNS names they were resolved from',
    sql: `SELECT n.SrcIp, n.DestIp, n.DestPort, d.ThreatType, coalesce(d.DnsDomain, '') AS DnsDomain,
            sum(n.AllowedOutFlows + n.AllowedInFlows) AS Allowed, sum(n.DeniedInFlows + n.DeniedOutFlows) AS Denied,
            sum(n.BytesSrcToDest + n.BytesDestToSrc) AS Bytes
          FROM NTANetAnalytics n JOIN NTAIpDetails d
            ON d.Ip IN (n.SrcIp, n.DestIp) AND d.FlowIntervalStartTime = n.FlowIntervalStartTime
          WHERE n.FlowType = 'MaliciousFlow' AND NOT n.IsFlowCapturedAtUdrHop
          GROUP BY ALL ORDER BY Bytes DESC, Denied DESC LIMIT 10`,
  },
  {
    title: 'Denied flows with the rule that denied them',
    sql: `SELECT DestPort, L7Protocol, AclRule, FlowType, FlowEncryption,
            sum(DeniedInFlows + DeniedOutFlows) AS DeniedFlows, count(DISTINCT SrcIp) AS Sources
          FROM NTANetAnalytics WHERE FlowStatus = 'Denied' GROUP BY ALL ORDER BY DeniedFlows DESC LIMIT 10`,
  },
  {
    title: 'Top internet destinations: who owns them and what they are called',
    sql: `SELECT n.DestIp, d.PublicIpDetails, d.Location, coalesce(d.DnsDomain, '') AS DnsDomain,
            count(DISTINCT n.SrcIp) AS Sources, sum(n.BytesSrcToDest) AS BytesSent
          FROM NTANetAnalytics n JOIN NTAIpDetails d ON d.Ip = n.DestIp AND d.FlowIntervalStartTime = n.FlowIntervalStartTime
          WHERE n.FlowDirection = 'Outbound' AND NOT n.IsFlowCapturedAtUdrHop
          GROUP BY ALL ORDER BY BytesSent DESC LIMIT 10`,
  },
];

export const demoCommand: Command = {
  name: 'demo',
  summary: 'generate, ingest and report on the synthetic environment',
  help: `Usage: vnetflow demo [--dir DIR] [--fresh]

Generates the default synthetic Azure environment (24 hours, seed 1) into DIR, ingests its flow
logs, topology, service tags, threat intel and DNS logs into DIR/vnetflow.duckdb, builds the
Traffic Analytics tables and prints a short report: tuples per hour, flow types, top talkers, top
countries, malicious flows with their DNS names, denied flows with the rule that denied them, top
internet destinations. A second run reuses what is there.

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
    const store = await openDuckDBStore({ path: dbFile, memoryLimit: '192MB' });
    try {
      console.log(`ingesting ${env} into ${dbFile} ...`);
      const summary = await ingest({ store, sources: [new FileSource([env])] });
      console.log(formatSummary(summary, false).replace(/^/gm, '  '));
      console.log(`  ${formatAnalytics(await buildAnalytics(store))}`);
      await report(store);
      const truth = JSON.parse(readFileSync(join(env, 'ground-truth.json'), 'utf8')) as {
        scenarios: { id: string; description: string; tuples: number }[];
      };
      console.log(`\nLabelled scenarios in the data (ground truth: ${join(env, 'ground-truth.json')}):`);
      for (const s of truth.scenarios)
        console.log(`  ${s.id.padEnd(18)} ${String(s.tuples).padStart(6)} tuples  ${s.description}`);
      console.log(`\nExplore: vnetflow sql --db ${dbFile} "SELECT * FROM NTANetAnalytics LIMIT 10"`);
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
