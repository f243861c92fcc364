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
import { intOption, parse } from './parse.js';
import { DEFAULT_CONFIG } from '../serve/config.js';
import { serveUntilSignal } from './serve.js';
import { render } from './render.js';
import { kqlCells } from './query.js';
import { compileKql } from '../kql/run.js';
import { REPORT } from './report-queries.js';
import { detect } from '../detect/detect.js';
import { evaluate, readGroundTruth } from '../detect/evaluate.js';
import { loadRules } from '../detect/load-rules.js';
import { readAlerts } from '../store/duckdb/detect-store.js';
import { readKqlCache, saveKqlCache } from '../store/duckdb/kql-cache-store.js';
import { formatDetect } from './detect.js';

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
  --serve       then serve the web UI and API on the demo database (vnetflow serve)
  --port N      the port for --serve (default 8080)
  -h, --help    show this help

Examples:
  vnetflow demo
  vnetflow demo --serve
  vnetflow demo --dir /tmp/demo --fresh && vnetflow sql --db /tmp/demo/vnetflow.duckdb "SELECT count(*) FROM FlowTuples"`,
  async run(argv) {
    const { values } = parse('demo', argv, {
      dir: { type: 'string' },
      fresh: { type: 'boolean' },
      serve: { type: 'boolean' },
      port: { type: 'string' },
    });
    const port = intOption('demo', 'port', values.port as string | undefined, DEFAULT_CONFIG.port);
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
      if (!values.serve)
        console.log(`or in the browser: vnetflow serve --db ${dbFile} (or vnetflow demo --serve)`);
    } finally {
      store.close();
    }
    if (!values.serve) return 0;
    console.log('\nServing the demo database: open the address below (Ctrl-C stops it).');
    return serveUntilSignal({ ...DEFAULT_CONFIG, db: dbFile, port });
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
