import { buildAnalytics } from '../analytics/build.js';
import { REFERENCE_KINDS, type ReferenceKind } from '../enrich/reference.js';
import { formatAnalytics, intervalMinutes } from './analytics.js';
import { DEFAULT_BATCH_MB, ingest } from '../ingest/ingest.js';
import type { IngestSummary } from '../ingest/summary.js';
import { openSources } from '../sources/registry.js';
import { AzureBlobSource } from '../sources/azure-blob/azure-blob-source.js';
import type { OperationCounts } from '../sources/azure-blob/storage.js';
import { openForCommand } from './open-db.js';
import { prefetched } from '../sources/prefetch.js';
import { detect, type DetectSummary } from '../detect/detect.js';
import { checkRules, readRuleFiles, RulesDirError, type RuleFiles } from '../detect/load-rules.js';
import { readKqlCache, saveKqlCache } from '../store/duckdb/kql-cache-store.js';
import type { Store } from '../store/store.js';
import { formatDetect } from './detect.js';
import { dbPath, UsageError, type Command } from './command.js';
import { parse } from './parse.js';
import { progressBar } from './progress.js';

/**
 * Keeps DuckDB's buffers, and so peak RSS, bounded whatever the input size. DuckDB also allocates
 * outside this limit while it parses (about 150 MB more at peak, measured on 4M tuples), so the
 * limit leaves room for that under the 512 MB target.
 */
const INGEST_MEMORY_LIMIT = '192MB';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'read flow logs and reference data (topology, tags, threat intel, DNS logs) into the database',
  help: `Usage: vnetflow ingest [--db FILE] [--json] [--verbose] [--kind K] PATH|URL...

Reads VNet flow logs (v4), NSG flow logs (v1, v2) and the flattened one-tuple-per-object form,
as .json, .json.gz or NDJSON, from files or whole directory trees in the Azure storage layout
(.../y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=.../PT1H.json). Formats are recognised by content.

A storage container is read in place: az://ACCOUNT/CONTAINER[/PREFIX] (signed in with
DefaultAzureCredential: az login, a managed or workload identity, a service principal in the
environment; or through AZURE_STORAGE_CONNECTION_STRING when set, which is how Azurite is
reached), or https://ACCOUNT.blob.core.windows.net/CONTAINER[/PREFIX]?SAS. A grown blob costs
one block-list call and one ranged read; the storage operations are printed (docs/sources.md).

Reference data comes the same way: ARM resources (az resource list, Resource Graph, the
generator's topology.json), Azure service tags (ServiceTags_Public JSON), threat intel (STIX 2.1
bundles, one IP/CIDR/domain per line, or CSV), DNS query logs of a DNS security policy, and
MaxMind .mmdb databases for countries or network owners. A bad reference file is reported with
its position and leaves the data loaded before in place; loading a newer version replaces it.

Ingest is incremental: files already read are skipped, a PT1H.json that grew contributes only
its new records, and tuples already stored are never stored twice. Bad input is stored in the
IngestErrors table with where it was and why; the good tuples beside it are kept.

Options:
  --db FILE     database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  --json        print the summary as one JSON object
  --verbose     list every source with its counts
  --no-analytics  do not bring the Traffic Analytics tables and Flows up to date afterwards
                (NTATopologyDetails still follows a topology file loaded by this run)
  --interval N  Traffic Analytics processing interval in minutes: 60 (default) or 10
  --no-detect   do not run the detection rules afterwards (vnetflow detect runs them later)
  --rules DIR   more detection rules (repeatable), as for vnetflow detect
  --kind K      read every PATH as K instead of recognising it by content: flow-logs, topology,
                service-tags, threat-intel, dns-logs or geo-db
  --batch-mb N  input megabytes per transaction (default 256): smaller batches commit more often,
                larger ones run faster; memory use does not grow with it
  --max-file-mb N  the most a .gz file may inflate to (default 4096); a larger one, or one that
                inflates more than 200 to 1 (a decompression bomb), is rejected into IngestErrors
  -h, --help    show this help

No file can stop a run: random bytes, bombs, giant blobs (read in parts of about 8 MB), deep
nesting, link loops and unreadable entries each end as IngestErrors rows (docs/ingest.md).

Exit codes: 0 ok (even if some input was rejected: see IngestErrors), 1 a file could not be
read, 2 usage error or a path that does not exist.

Examples:
  vnetflow ingest ./flowlogs
  vnetflow ingest az://flowlogsacct/insights-logs-flowlogflowevent
  vnetflow ingest --db /data/vnet.duckdb --json insights-logs-flowlogflowevent/
  vnetflow sql "SELECT Reason, count(*) FROM IngestErrors GROUP BY ALL"`,
  async run(argv) {
    const { values, positionals } = parse('ingest', argv, {
      db: { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      'batch-mb': { type: 'string' },
      'max-file-mb': { type: 'string' },
      kind: { type: 'string' },
      'no-analytics': { type: 'boolean' },
      'no-detect': { type: 'boolean' },
      rules: { type: 'string', multiple: true },
      interval: { type: 'string' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    if (positionals.length === 0)
      throw new UsageError('ingest: name at least one file or directory (see vnetflow ingest --help)');
    const minutes = intervalMinutes(values.interval, 'ingest');
    // Rules are read before any data: a mistyped --rules directory fails at once.
    const rules = values['no-detect'] ? null : ruleFiles((values.rules as string[] | undefined) ?? []);
    const opened = await openSources(positionals, { mode: 'once' });
    // The walk (or the storage listing) runs while the database opens.
    const sources = opened.map(prefetched);
    const store = await openForCommand('ingest', {
      path: dbPath(values.db as string | undefined),
      memoryLimit: INGEST_MEMORY_LIMIT,
    });
    const bar = progressBar();
    try {
      const batchMb = Number((values['batch-mb'] as string | undefined) ?? String(DEFAULT_BATCH_MB));
      if (!(batchMb > 0))
        throw new UsageError(
          `ingest: --batch-mb must be a positive number, got ${JSON.stringify(values['batch-mb'])}`,
        );
      const maxFileMb = Number((values['max-file-mb'] as string | undefined) ?? '4096');
      if (!(maxFileMb > 0))
        throw new UsageError(
          `ingest: --max-file-mb must be a positive number, got ${JSON.stringify(values['max-file-mb'])}`,
        );
      const kind = values.kind as string | undefined;
      if (
        kind !== undefined &&
        kind !== 'flow-logs' &&
        !(REFERENCE_KINDS as readonly string[]).includes(kind)
      )
        throw new UsageError(
          `ingest: --kind must be flow-logs or one of ${REFERENCE_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
        );
      const summary = await ingest({
        ...(kind ? { kind: kind as ReferenceKind | 'flow-logs' } : {}),
        store,
        sources,
        batchBytes: Math.round(batchMb * 1024 * 1024),
        maxInflatedBytes: Math.round(maxFileMb * 1024 * 1024),
        onProgress: (p) => bar.update(p),
      });
      bar.done();
      const analytics = values['no-analytics']
        ? null
        : await buildAnalytics(store, { intervalMinutes: minutes });
      const detection = rules ? await detectAfterIngest(store, rules) : null;
      const storage = storageCounts(opened);
      if (values.json) {
        const { sources: list, ...totals } = summary;
        const problems = list.filter((s) => s.note && s.status !== 'loaded');
        console.log(
          JSON.stringify({
            ...(values.verbose ? summary : { ...totals, problems }),
            ...(Object.keys(storage).length ? { storage } : {}),
            analytics,
            detect: detection,
          }),
        );
      } else {
        console.log(formatSummary(summary, Boolean(values.verbose)));
        for (const [where, c] of Object.entries(storage)) console.log(formatStorage(where, c));
        if (analytics) console.log(formatAnalytics(analytics));
        if (detection) console.log(formatDetect(detection).split('\n')[0]);
      }
      const unreadable = summary.sources.some(
        (s) => s.status === 'rejected' && s.note?.startsWith('unreadable'),
      );
      return unreadable ? 1 : 0;
    } finally {
      store.close();
    }
  },
};

/** The storage operations of each blob source of the run, by its location (no secret in it). */
function storageCounts(sources: readonly unknown[]): Record<string, OperationCounts> {
  const out: Record<string, OperationCounts> = {};
  for (const s of sources) if (s instanceof AzureBlobSource) out[s.location.display] = s.counts();
  return out;
}

/** One line on what a blob source cost: Azure bills per operation. */
export function formatStorage(where: string, c: OperationCounts): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  return `storage   ${where}: ${n(c.list)} list, ${n(c.blockList)} block-list, ${n(c.read)} read operations (${(c.bytesRead / 1048576).toFixed(1)} MiB)${c.retries ? `, ${n(c.retries)} retried (${n(c.throttled)} throttled)` : ''}`;
}

/** The human summary of an ingest run. */
export function formatSummary(s: IngestSummary, verbose: boolean): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    `files     ${n(s.files)} (${n(s.filesRead)} read, ${n(s.filesUnchanged)} unchanged, ${n(s.filesSkipped)} skipped, ${n(s.filesRejected)} rejected)`,
    `records   ${n(s.records)}${s.recordsRejected ? ` (${n(s.recordsRejected)} rejected)` : ''}`,
    `tuples    ${n(s.tuplesRead)} read = ${n(s.tuplesStored)} stored + ${n(s.tuplesRejected)} rejected + ${n(s.duplicatesSkipped)} duplicates skipped`,
    `time      ${s.seconds.toFixed(2)} s, ${n(s.tuplesPerSecond)} tuples/s`,
  ];
  const loaded = new Map<string, number>();
  for (const x of s.sources.filter((y) => y.status === 'loaded'))
    loaded.set(x.format ?? '?', (loaded.get(x.format ?? '?') ?? 0) + 1);
  if (loaded.size > 0)
    lines.push(
      `reference ${[...loaded].map(([k, v]) => `${k} ${n(v)} file${v === 1 ? '' : 's'}`).join(', ')}`,
    );
  if (s.errorRows > 0)
    lines.push(`errors    see: vnetflow sql "SELECT * FROM IngestErrors ORDER BY TimeGenerated DESC"`);
  const notes = s.sources.filter((x) => x.note && x.status !== 'loaded');
  for (const x of notes.slice(0, 20)) lines.push(`  ${x.status}: ${x.uri}: ${x.note}`);
  if (notes.length > 20) lines.push(`  ... and ${notes.length - 20} more (--verbose lists all)`);
  if (verbose)
    for (const x of s.sources.filter((y) => !y.note || y.status === 'loaded'))
      lines.push(
        `  ${x.status.padEnd(9)} ${x.format ?? ''} ${x.uri}: ${n(x.tuplesRead)} read, ${n(x.tuplesStored)} stored, ${n(x.tuplesRejected)} rejected, ${n(x.duplicatesSkipped)} duplicates`,
      );
  return lines.join('\n');
}

/** The rule files to run after ingest, read before any data so that a bad directory fails at once. */
function ruleFiles(dirs: string[]): RuleFiles {
  try {
    return readRuleFiles(dirs);
  } catch (err) {
    if (err instanceof RulesDirError) throw new UsageError(`ingest: ${err.message}`);
    throw err;
  }
}

/**
 * Runs the detection rules over what this ingest added (each rule from where it stopped). A rule
 * file's problem is printed and leaves the other rules running.
 */
async function detectAfterIngest(store: Store, files: RuleFiles): Promise<DetectSummary> {
  const cache = await readKqlCache(store);
  const set = checkRules(files, cache);
  for (const p of set.problems) console.error(`${p.file}:${p.line}: ${p.message}`);
  const summary = await detect(store, set);
  await saveKqlCache(store, cache);
  for (const r of summary.rules) if (r.error) console.error(`detect: rule ${r.ruleId} failed: ${r.error}`);
  return summary;
}
