#!/usr/bin/env node
import { UsageError, type Command } from './command.js';

/**
 * Commands are loaded on demand so that `vnetflow --help` and a mistyped command answer at once,
 * without loading DuckDB's native binding.
 */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  ingest: {
    summary: 'read flow logs and reference data (topology, tags, threat intel, DNS logs) into the database',
    load: async () => (await import('./ingest.js')).ingestCommand,
  },
  analytics: {
    summary: 'bring the Traffic Analytics tables and Flows up to date',
    load: async () => (await import('./analytics.js')).analyticsCommand,
  },
  query: {
    summary: 'run a KQL query (a first subset of operators)',
    load: async () => (await import('./query.js')).queryCommand,
  },
  sql: {
    summary: 'run DuckDB SQL over the database',
    load: async () => (await import('./sql.js')).sqlCommand,
  },
  detect: {
    summary: 'run detection rules over the flows and store the alerts they raise',
    load: async () => (await import('./detect.js')).detectCommand,
  },
  export: {
    summary:
      'write flow tuples, flows, Traffic Analytics rows or alerts as ECS, OCSF or raw records (NDJSON)',
    load: async () => (await import('./export.js')).exportCommand,
  },
  forward: {
    summary: 'send flow tuples or alerts (ECS or OCSF) to a SIEM: webhook, Elastic, Splunk HEC, syslog',
    load: async () => (await import('./forward.js')).forwardCommand,
  },
  serve: {
    summary: 'the always-on server: web UI and HTTP API, ingesting from its sources as they grow',
    load: async () => (await import('./serve.js')).serveCommand,
  },
  why: {
    summary: "why can't A reach B? the rule, the NIC and the answer in one sentence",
    load: async () => (await import('./why.js')).whyCommand,
  },
  generate: {
    summary: 'write a synthetic Azure environment with labelled attacks',
    load: async () => (await import('./generate.js')).generateCommand,
  },
  demo: {
    summary: 'generate, ingest and report on the synthetic environment',
    load: async () => (await import('./demo.js')).demoCommand,
  },
};

const USAGE = `vnetflow: Traffic Analytics and hunting for Azure VNet flow logs, self-hosted

Usage: vnetflow COMMAND [OPTIONS]

Commands:
${Object.entries(commands)
  .map(([n, c]) => `  ${n.padEnd(10)}${c.summary}`)
  .join('\n')}

Run 'vnetflow COMMAND --help' for a command's options and examples.

Examples:
  vnetflow demo
  vnetflow generate --out ./env && vnetflow ingest ./env/blobs
  vnetflow sql "SELECT DestPort, count(*) FROM FlowTuples WHERE FlowStatus = 'Denied' GROUP BY ALL ORDER BY 2 DESC"`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    console.log('0.1.0');
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    console.error(`vnetflow: unknown command ${JSON.stringify(name)}\n\n${USAGE}`);
    return 2;
  }
  const command = await entry.load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const name = (err as Error)?.name;
    if (
      err instanceof UsageError ||
      name === 'UnreadablePathError' ||
      name === 'MissingDatabaseError' ||
      name === 'ServeError' ||
      name === 'BlobLocationError'
    ) {
      console.error((err as Error).message);
      process.exitCode = 2;
    } else if (
      name === 'ServerOwnsDatabaseError' ||
      name === 'DatabaseBusyError' ||
      name === 'RemoteError' ||
      name === 'StorageError'
    ) {
      console.error((err as Error).message);
      process.exitCode = 1;
    } else if (/could not set lock on file/i.test((err as Error)?.message ?? '')) {
      // Another process writes the database (DuckDB allows one writer, or many readers).
      console.error(`vnetflow: the database is in use by another process: ${(err as Error).message}`);
      process.exitCode = 1;
    } else {
      console.error(`vnetflow: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = 1;
    }
  },
);
