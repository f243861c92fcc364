import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isBlobSpec, parseBlobLocation } from '../sources/azure-blob/location.js';
import { ConfigError, DEFAULT_CONFIG, readConfig, type ServeConfig } from '../serve/config.js';
import { startServer } from '../serve/server.js';
import { dbPath, UsageError, type Command } from './command.js';
import { durationOption, intOption, parse } from './parse.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'one always-on process: the HTTP API and web UI, ingesting from its sources as they grow',
  help: `Usage: vnetflow serve [--db FILE] [--host 127.0.0.1] [--port 8080] [--config vnetflow.yaml]
                      [--watch PATH|URL]... [--rules DIR]... [--token TOKEN] [--poll 10s]

Opens the database and keeps it: serves the web UI (overview, KQL editor, alerts, "why can't A
reach B?", ingest status) and the JSON API (docs/api.md) on http://HOST:PORT/. With --watch (or
sources: in the config) it ingests whatever is new in those directories or storage containers
every --poll (and at once on an Event Grid BlobCreated event, docs/sources.md), then
brings the Traffic Analytics tables and the alerts up to date. Queries run beside the ingest and
never wait for a batch. While it runs, vnetflow query and vnetflow detect on the same --db go
through it; commands that write say that the server owns the file.

It binds 127.0.0.1 unless told otherwise; binding any other address needs a token, which every
request must then present (Authorization: Bearer TOKEN; the UI logs in at /?token=TOKEN).
SIGINT or SIGTERM stops it cleanly (the batch under way commits or rolls back, then a checkpoint).

Options:
  --db FILE        database file (default: $VNETFLOW_DB, database: in the config, ./vnetflow.duckdb)
  --config FILE    a vnetflow.yaml (docs/serve.md); options given here win over it
  --host ADDR      address to listen on (default 127.0.0.1)
  --port N         port (default 8080; 0 picks a free one)
  --watch PATH|URL a directory or file, or a storage container (az://ACCOUNT/CONTAINER[/PREFIX],
                   or an https:// URL with a SAS) to ingest from, again every --poll (repeatable)
  --rules DIR      a rules directory besides the built-in rules (repeatable)
  --token TOKEN    require this token (default: $VNETFLOW_TOKEN, or token: in the config)
  --poll DURATION  how often the sources are looked at (default 10s)
  -h, --help       show this help

Examples:
  vnetflow serve --db ./vnetflow.duckdb --watch ./flowlogs
  vnetflow serve --watch az://flowlogsacct/insights-logs-flowlogflowevent
  vnetflow serve --config /etc/vnetflow/vnetflow.yaml
  VNETFLOW_TOKEN=$(openssl rand -hex 24) vnetflow serve --host 0.0.0.0 --port 8443
  vnetflow demo --serve`,
  async run(argv) {
    const { values, positionals } = parse('serve', argv, {
      db: { type: 'string' },
      config: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      watch: { type: 'string', multiple: true },
      rules: { type: 'string', multiple: true },
      token: { type: 'string' },
      poll: { type: 'string' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    if (positionals.length)
      throw new UsageError(`serve: unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
    const config = serveConfig(values);
    for (const p of config.sources) {
      if (isBlobSpec(p)) {
        // A malformed location fails now, not at the first pass.
        try {
          parseBlobLocation(p);
        } catch (err) {
          throw new UsageError(`serve: --watch: ${(err as Error).message}`);
        }
      } else if (!existsSync(p)) throw new UsageError(`serve: --watch ${p}: no such file or directory`);
    }
    return serveUntilSignal(config);
  },
};

/** The config from the file (if any), the environment and the flags, flags winning. */
function serveConfig(values: Record<string, unknown>): ServeConfig {
  let file: Partial<ServeConfig> = {};
  const configFile = values.config as string | undefined;
  if (configFile) {
    try {
      file = readConfig(configFile);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(`serve: the config has problems:\n${err.message}`);
      throw err;
    }
  }
  const port = intOption(
    'serve',
    'port',
    values.port as string | undefined,
    file.port ?? DEFAULT_CONFIG.port,
  );
  if (port > 65535) throw new UsageError(`serve: --port must be 0..65535, got ${port}`);
  return {
    ...DEFAULT_CONFIG,
    ...file,
    db: resolve(
      values.db !== undefined
        ? (values.db as string)
        : (process.env.VNETFLOW_DB ?? file.db ?? dbPath(undefined)),
    ),
    host: (values.host as string | undefined) ?? file.host ?? DEFAULT_CONFIG.host,
    port,
    token: (values.token as string | undefined) ?? process.env.VNETFLOW_TOKEN ?? file.token ?? null,
    sources: [
      ...(file.sources ?? []),
      ...((values.watch as string[] | undefined) ?? []).map((p) => (isBlobSpec(p) ? p : resolve(p))),
    ],
    rules: [...(file.rules ?? []), ...((values.rules as string[] | undefined) ?? []).map((p) => resolve(p))],
    poll: durationOption(
      'serve',
      'poll',
      values.poll as string | undefined,
      file.poll ?? DEFAULT_CONFIG.poll,
    ),
  };
}

/** Runs the server until SIGINT or SIGTERM, then closes it cleanly. */
export async function serveUntilSignal(config: ServeConfig): Promise<number> {
  const log = (line: string): void => console.error(`${new Date().toISOString()} ${line}`);
  const server = await startServer(config, log);
  console.log(
    `vnetflow serve: ${server.url} (database ${config.db}${config.sources.length ? `, watching ${server.pipeline.sources.map((s) => s.path).join(', ')}` : ''})`,
  );
  await new Promise<void>((done) => {
    const stop = (signal: string): void => {
      log(`${signal}: finishing the batch under way, then stopping`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      done();
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await server.close();
  log('stopped');
  return 0;
}
