import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DestinationError, destination, redact, SINK_KINDS, type SinkKind } from '../forward/destination.js';
import { forward, ForwardError, type ForwardSummary } from '../forward/forward.js';
import { ForwardQueue, QueueError, REJECTED } from '../forward/queue.js';
import { MissingDatabaseError } from '../store/duckdb/duckdb-store.js';
import { openForCommand } from './open-db.js';
import { dbPath, UsageError, type Command } from './command.js';
import { durationOption, intOption, isoOption, parse, sizeOption } from './parse.js';

const FORMATS = ['ecs', 'ocsf'] as const;
const TABLES = ['FlowTuples', 'Alerts'] as const;

export const forwardCommand: Command = {
  name: 'forward',
  summary: 'send flow tuples or alerts (ECS or OCSF) to a SIEM: webhook, Elastic, Splunk HEC, syslog',
  help: `Usage: vnetflow forward --to URL [--kind webhook|elastic|splunk|syslog] [--format ecs|ocsf]
                        [--table FlowTuples|Alerts] [--from ISO] [--follow] [--db FILE] [options]

Sends the events of a table, as vnetflow export writes them, to a receiver, in batches. What the
receiver acknowledged is checkpointed batch by batch, so a forward that is stopped or killed
resumes with the first batch not acknowledged: nothing is lost, and nothing the receiver
acknowledged is sent again. Events wait in a bounded queue on disk (--queue); when the receiver
is down, reading stops at the bound and the database keeps the rest. Failed batches are retried
with exponential backoff (Retry-After is honoured); a batch the receiver finds too large is
split; an event it refuses for good goes to rejected.ndjson in the queue, with the reason.

Receivers (the kind follows the URL unless --kind says):
  elastic   http(s)://HOST:9200/_bulk or .../INDEX/_bulk: each event a "create" with a stable
            _id, so Elastic drops a resend it already has (default index: a data stream
            logs-vnetflow.flows-default / logs-vnetflow.alerts-default for ECS)
  splunk    http(s)://HOST:8088/services/collector/event: HEC events at the flow's own time;
            pass the token with --auth-env (value "Splunk TOKEN")
  syslog    syslog+tcp://HOST:514 or syslog+tls://HOST:6514: alerts only, RFC 5424 messages
            framed by octet counting, the alert id in structured data
  webhook   any other http(s) URL: the batch POSTed as NDJSON, with an Idempotency-Key header

Options:
  --to URL           the receiver (required); user:password@ in the URL becomes Basic auth
  --kind KIND        webhook, elastic, splunk or syslog (default: from the URL)
  --format F         ecs (default) or ocsf
  --table T          FlowTuples (default) or Alerts (the default for syslog)
  --from ISO         leave out events before this time
  --follow           keep running: read new rows every --interval, retry a receiver without end
                     (stop with Ctrl-C or SIGTERM; the batch in flight is finished first)
  --interval DUR     how often --follow reads new rows (default 30s)
  --header H         an HTTP header "Name: value" (repeatable)
  --auth-env VAR     send the value of environment variable VAR as the Authorization header
                     (keeps the secret off the command line, where ps shows it)
  --index NAME       elastic: the index or data stream when the URL names none
  --ca FILE          a CA certificate (PEM) to trust for https:// and syslog+tls://
  --batch N          events per request (default 2000; at most 8 MiB a request)
  --queue DIR        the queue and checkpoint (default: DB.forward/ID, ID from the receiver,
                     table and format)
  --queue-size SIZE  the queue's bound (default 1GiB)
  --retry-max DUR    the longest wait between attempts (default 30s)
  --give-up DUR      without --follow: stop when the receiver has failed this long (default
                     5m); the queue is kept for the next run
  --reset            drop the queue and its checkpoint first: everything is sent again
  --db FILE          database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  -h, --help         show this help

Exit code: 0 when everything read was sent; 1 when the receiver refused the sender, stayed down
past --give-up, or the queue cannot be used; 2 for a usage error.

Examples:
  vnetflow forward --to http://localhost:9200/_bulk --auth-env ES_AUTH
  VNETFLOW_HEC='Splunk 0000-1111' vnetflow forward --to https://splunk:8088/services/collector/event \\
      --auth-env VNETFLOW_HEC --ca splunk-ca.pem --follow
  vnetflow forward --table Alerts --format ocsf --to https://hooks.example.net/vnetflow
  vnetflow forward --to syslog+tls://siem.example.net:6514 --ca siem-ca.pem --follow`,
  async run(argv) {
    const { values, positionals } = parse('forward', argv, {
      to: { type: 'string' },
      kind: { type: 'string' },
      format: { type: 'string' },
      table: { type: 'string' },
      from: { type: 'string' },
      follow: { type: 'boolean' },
      interval: { type: 'string' },
      header: { type: 'string', multiple: true },
      'auth-env': { type: 'string' },
      index: { type: 'string' },
      ca: { type: 'string' },
      batch: { type: 'string' },
      queue: { type: 'string' },
      'queue-size': { type: 'string' },
      'retry-max': { type: 'string' },
      'give-up': { type: 'string' },
      reset: { type: 'boolean' },
      db: { type: 'string' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    if (positionals.length > 0)
      throw new UsageError(`forward: unexpected argument ${JSON.stringify(positionals[0])} (see --help)`);
    const to = values.to as string | undefined;
    if (!to) throw new UsageError('forward: --to URL is required (see --help)');
    const kind = values.kind as string | undefined;
    if (kind !== undefined && !(SINK_KINDS as readonly string[]).includes(kind))
      throw new UsageError(
        `forward: --kind must be one of ${SINK_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
      );
    const format = (values.format as string | undefined) ?? 'ecs';
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`forward: --format must be ecs or ocsf, got ${JSON.stringify(format)}`);
    const syslog = kind === 'syslog' || /^(syslog\+)?(tcp|tls):/i.test(to);
    const table = (values.table as string | undefined) ?? (syslog ? 'Alerts' : 'FlowTuples');
    if (!(TABLES as readonly string[]).includes(table))
      throw new UsageError(`forward: --table must be FlowTuples or Alerts, got ${JSON.stringify(table)}`);
    const headers = parseHeaders((values.header as string[] | undefined) ?? []);
    const authEnv = values['auth-env'] as string | undefined;
    if (authEnv !== undefined) {
      const value = process.env[authEnv];
      if (!value)
        throw new UsageError(`forward: --auth-env ${authEnv}: that environment variable is not set`);
      headers.Authorization = value;
    }
    const caPath = values.ca as string | undefined;
    let ca: Buffer | undefined;
    if (caPath !== undefined) {
      try {
        ca = readFileSync(caPath);
      } catch (err) {
        throw new UsageError(
          `forward: --ca ${caPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
    }
    let dest;
    try {
      dest = destination({
        to,
        ...(kind ? { kind: kind as SinkKind } : {}),
        headers,
        ...(values.index ? { index: values.index as string } : {}),
        ...(ca ? { ca } : {}),
        format: format as 'ecs' | 'ocsf',
        table: table as 'FlowTuples' | 'Alerts',
      });
    } catch (err) {
      if (err instanceof DestinationError) throw new UsageError(`forward: ${err.message}`);
      throw err;
    }
    const db = dbPath(values.db as string | undefined);
    // Before the queue is made next to it: a mistyped --db leaves no folder behind.
    if (!existsSync(db)) throw new MissingDatabaseError(db);
    const identity = `${dest.describe} ${table} ${format}`;
    const queueDir =
      (values.queue as string | undefined) ??
      `${resolve(db)}.forward/${createHash('sha256').update(identity).digest('hex').slice(0, 12)}`;
    const batch = intOption('forward', 'batch', values.batch as string | undefined, 2000, 1);
    const options = {
      from: isoOption('forward', 'from', values.from as string | undefined) ?? null,
      follow: Boolean(values.follow),
      pollMs: durationOption('forward', 'interval', values.interval as string | undefined, 30_000),
      maxQueueBytes: sizeOption(
        'forward',
        'queue-size',
        values['queue-size'] as string | undefined,
        1024 ** 3,
      ),
      retryMaxMs: durationOption('forward', 'retry-max', values['retry-max'] as string | undefined, 30_000),
      giveUpMs: durationOption('forward', 'give-up', values['give-up'] as string | undefined, 300_000),
    };

    let queue: ForwardQueue;
    try {
      if (values.reset) ForwardQueue.reset(queueDir);
      queue = ForwardQueue.open(
        queueDir,
        identity,
        table === 'Alerts' ? { table: 'Alerts', seq: 0 } : { table: 'FlowTuples', batch: -1, before: 0 },
      );
    } catch (err) {
      if (err instanceof QueueError) {
        console.error(`forward: ${err.message}`);
        return 1;
      }
      throw err;
    }
    const log = (m: string): void => console.error(`forward: ${m}`);
    log(`${table} as ${format} to ${dest.describe} (queue ${queueDir})`);
    const stop = new AbortController();
    const onSignal = (): void => {
      log('stopping after the batch in flight');
      stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const sink = dest.open();
    const progress = ticker(log, options.follow);
    try {
      const s = await forward({
        ...options,
        queue,
        sink,
        format: format as 'ecs' | 'ocsf',
        batchEvents: batch,
        batchBytes: 8 * 1024 * 1024,
        openStore: () => openForCommand('forward', { path: db, memoryLimit: '512MB', readOnly: true }),
        signal: stop.signal,
        log,
        onProgress: progress,
      });
      log(describeRun(s, queueDir));
      return 0;
    } catch (err) {
      if (err instanceof ForwardError) {
        log(err.message);
        return 1;
      }
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await sink.close();
      queue.close();
    }
  },
};

/** `Name: value` headers; a malformed one is a usage error that never echoes its value. */
function parseHeaders(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*:\s*(.*)$/.exec(h);
    if (!m) throw new UsageError(`forward: --header must be "Name: value" (got one without a valid name)`);
    out[m[1]] = m[2];
  }
  return out;
}

/** With --follow, a line a minute while events flow; otherwise nothing until the summary. */
function ticker(log: (m: string) => void, follow: boolean): (s: ForwardSummary) => void {
  let last = performance.now();
  let sentBefore = 0;
  return (s) => {
    const now = performance.now();
    if (!follow || now - last < 60_000) return;
    const sent = s.delivered + s.duplicates + s.rejected;
    log(
      `${(sent - sentBefore).toLocaleString('en-US')} events sent in the last minute, ${s.pending.toLocaleString('en-US')} queued`,
    );
    sentBefore = sent;
    last = now;
  };
}

function describeRun(s: ForwardSummary, queueDir: string): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const sent = s.delivered + s.duplicates;
  const rate = s.seconds > 0 ? ` (${n(Math.round(sent / s.seconds))} events/s)` : '';
  const parts = [
    `read ${n(s.read)} events, sent ${n(sent)} in ${s.seconds.toFixed(2)} s${rate}`,
    s.duplicates > 0 ? `${n(s.duplicates)} of them the receiver had already` : '',
    s.rejected > 0 ? `${n(s.rejected)} refused by the receiver (kept in ${queueDir}/${REJECTED})` : '',
    s.pending > 0 ? `${n(s.pending)} still queued` : 'queue empty',
  ];
  return redact(parts.filter(Boolean).join('; '));
}
