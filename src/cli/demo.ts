import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ingest } from '../ingest/ingest.js';
import { FileSource } from '../sources/file/file-source.js';
import { openForCommand } from './open-db.js';
import type { Store } from '../store/store.js';
import { generate } from '../synth/generate.js';
import { type Command } from './command.js';
import { currentHour } from './generate.js';
import { formatSummary } from './ingest.js';
import { buildAnalytics } from '../analytics/build.js';
import { formatAnalytics } from './analytics.js';
import { parse } from './parse.js';
import { render } from './render.js';
import { kqlCells } from './query.js';
import { compileKql } from '../kql/run.js';
import { SEED_000 } from './demo-seed-000.js';
import { detect } from '../detect/detect.js';
import { evaluate, readGroundTruth } from '../detect/evaluate.js';
import { loadRules } from '../detect/load-rules.js';
import { readAlerts } from '../store/duckdb/detect-store.js';
import { readKqlCache, saveKqlCache } from '../store/duckdb/kql-cache-store.js';
import { formatDetect } from './detect.js';

/**
 * The demo's report: KQL that Azure users write (most of it from the seed documents: seed 001's
 * Traffic Analytics scenarios, seed 000's DNS-enriched hunting query), run by vnetflow's own
 * engine over the tables it just built. Where a seed query returns more rows than a terminal
 * shows, the report adds a `top` or a `project` after it and says so.
 */
export const REPORT: readonly { title: string; source: string; kql: string }[] = [
  {
    title: 'Tuples per hour',
    source: 'vnetflow',
    kql: `FlowTuples
| summarize Tuples = count(), Bytes = sum(BytesSrcToDest + BytesDestToSrc) by Hour = bin(TimeGenerated, 1h)
| sort by Hour asc`,
  },
  {
    title: 'Flow types (NTANetAnalytics, as Traffic Analytics classifies them)',
    source: 'vnetflow, after the FlowType table of seed 001',
    kql: `NTANetAnalytics
| summarize Rows = count(), AllowedFlows = sum(AllowedInFlows + AllowedOutFlows),
    DeniedFlows = sum(DeniedInFlows + DeniedOutFlows), Bytes = sum(BytesSrcToDest + BytesDestToSrc) by FlowType
| sort by Bytes desc`,
  },
  {
    title: 'Traffic between subnets, top 10',
    source: 'seed 001, scenario 3 (plus top 10)',
    kql: `NTANetAnalytics
| where SubType == 'FlowLog' and FaSchemaVersion == '3' and TimeGenerated > ago(60d)
| where isnotempty(SrcSubnet) and isnotempty(DestSubnet)
| summarize TotalBytes=sum(BytesSrcToDest + BytesDestToSrc) by SrcSubnet, DestSubnet,L4Protocol,DestPort
| top 10 by TotalBytes`,
  },
  {
    title: 'On-premises <-> Azure by direction',
    source: 'seed 001, scenario 4',
    kql: `let prefix1="10.4.0.0/16";
let prefix2="10.1.0.0/16";
NTANetAnalytics
| where SubType == 'FlowLog' and FaSchemaVersion == '3' and FlowStartTime > ago(24h)
| extend SrcIpIsInPrefix1 = ipv4_is_in_range(SrcIp, prefix1), SrcIpIsInPrefix2 = ipv4_is_in_range(SrcIp, prefix2)
| extend DestIpIsInPrefix1 = ipv4_is_in_range(DestIp, prefix1), DestIpIsInPrefix2 = ipv4_is_in_range(DestIp, prefix2)
| where (SrcIpIsInPrefix1 and DestIpIsInPrefix2) or (SrcIpIsInPrefix2 and DestIpIsInPrefix1)
| extend Direction = iff((SrcIpIsInPrefix1 and DestIpIsInPrefix2), "Onprem2Azure", "Azure2Onprem")
| summarize TotalBytesSrcToDest=sum(BytesSrcToDest), TotalBytesDestTosrc=sum(BytesDestToSrc) by Direction
| render columnchart`,
  },
  {
    title: 'Top countries of internet peers',
    source: 'vnetflow, after seed 000 (public IPs from the list when DestIp is empty)',
    kql: `NTANetAnalytics
| where isnotempty(Country)
| extend Peer = iff(isnotempty(DestPublicIps), tostring(split(DestPublicIps, "|")[0]), tostring(split(SrcPublicIps, "|")[0]))
| summarize Addresses = dcount(Peer), Bytes = sum(BytesSrcToDest + BytesDestToSrc) by Country
| top 10 by Bytes`,
  },
  {
    title: 'Flows to malicious destinations, with the DNS names they were resolved from',
    source: "seed 000's hunting query, its own commented-out MaliciousFlow filter applied after it",
    kql: `${SEED_000}
| where FlowType == "MaliciousFlow"
| project TimeGenerated, Client, SrcIp, DestIp, DestPort, QueryNameSingle, FlowStatus, BytesSentMb, Location, count_
| top 10 by BytesSentMb`,
  },
  {
    title: 'Denied flows with the rule that denied them',
    source: 'vnetflow',
    kql: `NTANetAnalytics
| where FlowStatus == "Denied"
| summarize DeniedFlows = sum(DeniedInFlows + DeniedOutFlows), Sources = dcount(SrcIp)
    by DestPort, L7Protocol, AclRule, FlowType, FlowEncryption
| top 10 by DeniedFlows`,
  },
  {
    title: 'Top internet destinations: who owns them and what they are called',
    source: 'seed 001, scenario 1 (the NTAIpDetails join), for every VM',
    kql: `NTANetAnalytics
| where FlowDirection == "Outbound" and not(IsFlowCapturedAtUdrHop) and isnotempty(DestIp)
| join kind=inner (NTAIpDetails | summarize arg_max(TimeGenerated, *) by Ip) on $left.DestIp == $right.Ip
| summarize Sources = dcount(SrcIp), BytesSent = sum(BytesSrcToDest) by DestIp, PublicIpDetails, Location, DnsDomain
| top 10 by BytesSent`,
  },
];

export const demoCommand: Command = {
  name: 'demo',
  summary: 'generate, ingest and report on the synthetic environment',
  help: `Usage: vnetflow demo [--dir DIR] [--fresh]

Generates the default synthetic Azure environment (24 hours, seed 1) into DIR, ingests its flow
logs, topology, service tags, threat intel and DNS logs into DIR/vnetflow.duckdb, builds the
Traffic Analytics tables and prints a short report, each section a KQL query (most from the seed
blog posts, run by vnetflow's KQL engine): tuples per hour, flow types, traffic between subnets,
on-premises <-> Azure, top countries, flows to malicious destinations with their DNS names
(seed 000's hunting query), denied flows with the rule that denied them, top internet
destinations. Then it runs the built-in detection rules and shows, for each labelled scenario
(attacks and benign look-alikes), whether detection found it. A second run reuses what is there.

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
    const store = await openForCommand('demo', { path: dbFile, memoryLimit: '192MB' });
    try {
      console.log(`ingesting ${env} into ${dbFile} ...`);
      const summary = await ingest({ store, sources: [new FileSource([env])] });
      console.log(formatSummary(summary, false).replace(/^/gm, '  '));
      console.log(`  ${formatAnalytics(await buildAnalytics(store))}`);
      await report(store);
      const cache = await readKqlCache(store);
      const rules = loadRules([], true, cache);
      const detection = await detect(store, rules);
      await saveKqlCache(store, cache);
      console.log(
        `\n== Detection (the ${rules.rules.length} built-in rules)\n${formatDetect(detection).split('\n')[0]}`,
      );
      const truthFile = join(env, 'ground-truth.json');
      const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as {
        scenarios: { id: string; description: string; tuples: number }[];
      };
      const scored = evaluate(readGroundTruth(truthFile), await readAlerts(store, null, null), rules.rules);
      console.log(`\nLabelled scenarios in the data (ground truth: ${truthFile}) and what detection said:`);
      for (const s of truth.scenarios) {
        const e = scored.scenarios.find((x) => x.id === s.id)!;
        const verdict = e.attack
          ? e.rules.length
            ? 'found'
            : 'MISSED'
          : e.rules.length
            ? 'FALSE ALARM'
            : 'quiet';
        console.log(
          `  ${s.id.padEnd(24)} ${String(s.tuples).padStart(6)} tuples  ${verdict.padEnd(11)} ${s.description}`,
        );
      }
      console.log(
        `  recall ${scored.recall.toFixed(2)}, precision ${scored.precision.toFixed(2)} over ${scored.alerts} alerts: vnetflow query --db ${dbFile} "Alerts | project StartTime, RuleName, SrcIps, DestIps, Description"`,
      );
      console.log(`\nExplore: vnetflow query --db ${dbFile} "NTANetAnalytics | take 10"`);
      return 0;
    } finally {
      store.close();
    }
  },
};

async function report(store: Store): Promise<void> {
  const now = new Date();
  for (const section of REPORT) {
    console.log(`\n== ${section.title}  [KQL: ${section.source}]`);
    const compiled = compileKql(section.kql, now);
    const rows = (await store.table(compiled.sql)).rows;
    console.log(render({ columns: compiled.columns, rows }, 'table', kqlCells(compiled)));
    if (compiled.render) console.log(`(render ${compiled.render})`);
  }
}
