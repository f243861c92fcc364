import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SourceItem, Source, Skipped } from '../sources/source.js';
import type { Store } from '../store/store.js';
import { loadCheckpoints, upsertCheckpoints, type Checkpoint } from './checkpoint.js';
import { commitBatch, type ItemCounts } from './commit.js';
import { cutRaw, type ErrorRow } from './errors.js';
import { locateErrors, type SqlError } from './locate.js';
import { disposePrepared, prepare, type NotReady, type Prepared, type PrepareOptions } from './prepare.js';
import { DEFAULT_INFLATE_LIMITS } from './content.js';
import { prepareAhead } from './read-ahead.js';
import { refreshTopologyTables } from '../analytics/topology-tables.js';
import { loadReference, type ReferenceKind } from '../enrich/reference.js';
import { ReferenceFileError } from '../enrich/parse-json.js';
import { SqlParams, sqlJsonRows } from './sql-literal.js';
import { addSource, emptySummary, type IngestSummary } from './summary.js';

/** Progress after each committed batch, for a progress bar. */
export interface Progress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly tuplesStored: number;
}

/** Options of one ingest run. */
export interface IngestOptions {
  readonly store: Store;
  readonly sources: readonly Source[];
  /** Input bytes per batch: bounds memory and the work a crash can cost. */
  readonly batchBytes?: number;
  readonly batchFiles?: number;
  readonly onProgress?: (p: Progress) => void;
  /** Read every file as this kind instead of recognising it by content. */
  readonly kind?: ReferenceKind | 'flow-logs';
  /** The most bytes a gzip file may inflate to (default: DEFAULT_INFLATE_LIMITS). */
  readonly maxInflatedBytes?: number;
}

/**
 * Input megabytes per batch (one transaction). Every batch costs a fixed amount (statements, a
 * commit, sometimes a checkpoint: about 0.4 s measured), and DuckDB's memory does not grow with the
 * batch because the insert streams, so batches are large; the bound is the work a crash can cost.
 */
export const DEFAULT_BATCH_MB = 256;
const DEFAULT_BATCH_BYTES = DEFAULT_BATCH_MB << 20;
const DEFAULT_BATCH_FILES = 1024;

/**
 * Ingests every item of the sources into FlowTuples, batch by batch. Each batch is staged in DuckDB
 * and committed in one transaction together with its checkpoints, so a run killed at any moment
 * and started again ends with the table an uninterrupted run produces.
 */
export async function ingest(options: IngestOptions): Promise<IngestSummary> {
  const started = performance.now();
  const { store } = options;
  const summary = emptySummary();
  const tempDir = await mkdtemp(join(tmpdir(), 'vnetflow-ingest-'));
  // Row order inside the tables carries no meaning (every reader sorts or aggregates), and letting
  // DuckDB write from both threads at once is what makes the insert scale.
  await store.run('SET preserve_insertion_order = false');
  try {
    const checkpoints = await loadCheckpoints(store);
    const items: SourceItem[] = [];
    // What could not be read at all: each is an IngestErrors row as well as a line of the summary.
    const unreadable: Skipped[] = [];
    for (const source of options.sources) {
      for await (const x of source.list()) {
        if ('read' in x) items.push(x);
        else if (x.unreadable) unreadable.push(x);
        else addSource(summary, skippedResult(x));
      }
    }
    const bytesTotal = items.reduce((a, i) => a + i.size, 0);
    let bytesDone = 0;
    let filesDone = 0;
    const progress = (): void =>
      options.onProgress?.({
        bytesDone,
        bytesTotal,
        filesDone,
        filesTotal: items.length,
        tuplesStored: summary.tuplesStored,
      });
    const maxBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
    const maxFiles = options.batchFiles ?? DEFAULT_BATCH_FILES;
    const inflate = {
      ...DEFAULT_INFLATE_LIMITS,
      ...(options.maxInflatedBytes ? { maxBytes: options.maxInflatedBytes } : {}),
    };
    const prepareOptions = { tempDir, inflate, ...(options.kind ? { forceKind: options.kind } : {}) };
    const stream = prepareAhead(items, checkpoints, prepareOptions)[Symbol.asyncIterator]();
    let next = await stream.next();
    while (!next.done) {
      // One batch, one transaction, one INSERT (a second INSERT into the same table in the same
      // transaction measured slower than both together). Preparation keeps running ahead while
      // DuckDB works. Items that need no insert are settled after the commit.
      const batch: Prepared[] = [];
      const notReady: NotReady[] = [];
      let batchBytes = 0;
      for (; !next.done; next = await stream.next()) {
        const { item, result } = next.value;
        if (result instanceof Error) {
          // The item vanished or became unreadable between listing and reading: say so, go on.
          unreadable.push({ uri: item.uri, reason: `unreadable: ${result.message}`, unreadable: true });
          continue;
        }
        if (result.kind !== 'ready') {
          notReady.push(result);
          continue;
        }
        if (batch.length > 0 && (batchBytes + result.bytes > maxBytes || batch.length >= maxFiles)) break;
        batch.push(result);
        batchBytes += result.bytes;
      }
      if (batch.length > 0) await runBatch(store, batch, checkpoints, tempDir, summary, prepareOptions);
      await Promise.all(batch.map(disposePrepared));
      for (const p of batch) bytesDone += p.item.size;
      filesDone += batch.length;
      for (const p of notReady) {
        await settleNotReady(store, p, summary);
        await disposePrepared(p);
        filesDone++;
        bytesDone += p.item.size;
      }
      progress();
    }
    await storeUnreadable(store, unreadable, summary);
  } finally {
    await store.run('RESET preserve_insertion_order').catch(() => undefined);
    await rm(tempDir, { recursive: true, force: true });
  }
  // What follows from the topology alone is derived once, when it is loaded, not by every analytics build.
  if (summary.sources.some((s) => s.format === 'topology' && s.status === 'loaded'))
    await refreshTopologyTables(store);
  summary.seconds = (performance.now() - started) / 1000;
  summary.tuplesPerSecond = summary.seconds > 0 ? Math.round(summary.tuplesRead / summary.seconds) : 0;
  summary.errorRows = summary.recordsRejected + summary.tuplesRejected + summary.filesRejected;
  return summary;
}

async function runBatch(
  store: Store,
  batch: Prepared[],
  checkpoints: Map<string, Checkpoint>,
  tempDir: string,
  summary: IngestSummary,
  prepareOptions: PrepareOptions,
): Promise<void> {
  // The checkpoints committed with the batch are also the ones the rest of this run works from.
  let committed: Checkpoint[] = [];
  // Fingerprints are hashed while DuckDB inserts (started here, awaited at the end). One that
  // cannot be computed (the file vanished) stays empty: the next run then re-reads the file, and
  // deduplication keeps that safe.
  const fingerprints = new Map<Prepared, Promise<string>>();
  const fingerprintOf = (p: Prepared): Promise<string> => {
    let fp = fingerprints.get(p);
    if (!fp) fingerprints.set(p, (fp = p.fingerprint().catch(() => '')));
    return fp;
  };
  const hooks = {
    whileInserting: () => batch.forEach(fingerprintOf),
    errorRows: (errors: SqlError[]) => locatedErrors(batch, errors),
    checkpoints: async (c: readonly ItemCounts[]) =>
      (committed = nextCheckpoints(batch, c, checkpoints, await Promise.all(batch.map(fingerprintOf)))),
  };
  let result: Awaited<ReturnType<typeof commitBatch>>;
  try {
    result = await commitBatch(store, batch, hooks, tempDir);
  } catch (err) {
    const message = (err as Error).message;
    if (/out of memory/i.test(message))
      throw new Error(`${message} (try a smaller --batch-mb, or free memory)`, { cause: err });
    if (!/invalid input|conversion|json|malformed/i.test(message)) throw err;
    // DuckDB could not read a file typed (invalid JSON, a wrong type deep inside), and the
    // transaction was rolled back. Frame the unchecked files (direct, or copied into parts as they
    // are) in Node instead, where each record is parsed and checked on its own, and try once more.
    for (let i = 0; i < batch.length; i++) {
      if (!batch[i].unchecked) continue;
      const again = await prepare(batch[i].item, checkpoints.get(batch[i].item.uri), {
        ...prepareOptions,
        forceNode: true,
      });
      await disposePrepared(batch[i]);
      if (again.kind === 'ready') batch[i] = again;
    }
    result = await commitBatch(store, batch, hooks, tempDir);
  }
  summary.batches++;
  batch.forEach((p, i) => {
    const c = result.counts[i];
    const nodeRecordErrors = p.errors.filter((e) => e.Level === 'record').length;
    addSource(summary, {
      uri: p.item.uri,
      format: p.format.name,
      status: p.mode,
      records: p.records ? p.records.sourceCount : c.recordsSeen,
      tuplesRead: c.tuplesRead,
      tuplesStored: c.tuplesStored,
      tuplesRejected: c.tuplesRejected,
      duplicatesSkipped: c.tuplesRead - c.tuplesStored - c.tuplesRejected,
      recordsRejected: c.recordsRejected + nodeRecordErrors,
    });
  });
  for (const cp of committed) checkpoints.set(cp.uri, cp);
}

/** The checkpoints a batch commits: new offsets plus cumulative counters. */
function nextCheckpoints(
  batch: readonly Prepared[],
  counts: readonly ItemCounts[],
  old: Map<string, Checkpoint>,
  fingerprints: readonly string[],
): Checkpoint[] {
  return batch.map((p, i) => {
    const prev = p.mode === 'grown' ? old.get(p.item.uri) : undefined;
    const c = counts[i];
    return {
      ...p.checkpoint,
      fingerprint: fingerprints[i],
      recordsConsumed: p.records ? p.checkpoint.recordsConsumed : c.recordsSeen,
      tuplesRead: (prev?.tuplesRead ?? 0) + c.tuplesRead,
      tuplesStored: (prev?.tuplesStored ?? 0) + c.tuplesStored,
      tuplesRejected: (prev?.tuplesRejected ?? 0) + c.tuplesRejected,
      duplicatesSkipped: (prev?.duplicatesSkipped ?? 0) + (c.tuplesRead - c.tuplesStored - c.tuplesRejected),
    };
  });
}

/** Rejections SQL found, with byte offsets located in the source bytes. */
async function locatedErrors(batch: readonly Prepared[], errors: readonly SqlError[]): Promise<ErrorRow[]> {
  const byItem = new Map<number, SqlError[]>();
  for (const e of errors) {
    const list = byItem.get(e.itemId);
    if (list) list.push(e);
    else byItem.set(e.itemId, [e]);
  }
  const out: ErrorRow[] = [];
  for (const [itemId, errs] of byItem) {
    const p = batch[itemId];
    const located = await locateErrors(p, errs);
    errs.forEach((e, k) =>
      out.push({
        SourceUri: p.item.uri,
        Format: p.format.name,
        Level: e.tupIdx === null ? 'record' : 'tuple',
        ByteOffset: located[k].offset,
        RecordIndex: located[k].recIdx,
        TupleIndex: located[k].tupIdx,
        Reason: e.reason,
        RawText: e.raw === null ? null : cutRaw(e.raw),
      }),
    );
  }
  return out;
}

/** The counts of a source nothing was read from. */
const NOTHING_READ = {
  format: null,
  records: 0,
  tuplesRead: 0,
  tuplesStored: 0,
  tuplesRejected: 0,
  duplicatesSkipped: 0,
  recordsRejected: 0,
} as const;

/** Unchanged and skipped items are only counted; a rejected file is stored with its checkpoint. */
async function settleNotReady(store: Store, p: NotReady, summary: IngestSummary): Promise<void> {
  const base = { uri: p.item.uri, ...NOTHING_READ };
  if (p.kind === 'unchanged') return addSource(summary, { ...base, status: 'unchanged' });
  if (p.kind === 'skipped') return addSource(summary, { ...base, status: 'skipped', note: p.reason });
  if (p.kind === 'reference') return settleReference(store, p, summary);
  await rejectFile(store, p.error.SourceUri, 0, p.error.Reason, p.error.RawText, p.checkpoint);
  addSource(summary, { ...base, status: 'rejected', note: p.error.Reason });
}

/** A file rejected whole: one IngestErrors row, and a checkpoint so it is reported once. */
async function rejectFile(
  store: Store,
  uri: string,
  offset: number | null,
  reason: string,
  raw: string | null,
  checkpoint: Checkpoint,
): Promise<void> {
  await store.transaction(async () => {
    await store.run(
      `INSERT INTO IngestErrors (TimeGenerated, SourceUri, Level, ByteOffset, Reason, RawText)
       VALUES (now()::TIMESTAMP, $1, 'file', $2, $3, $4)`,
      [uri, offset, reason, raw],
    );
    await upsertCheckpoints(store, [checkpoint]);
  });
}

/**
 * Loads a reference file (its own transaction: a bad file leaves the previous data in place and is
 * reported with where it went wrong), then checkpoints it so an unchanged file is not read again.
 */
async function settleReference(
  store: Store,
  p: Extract<NotReady, { kind: 'reference' }>,
  summary: IngestSummary,
): Promise<void> {
  const base = { uri: p.item.uri, ...NOTHING_READ, format: p.ref };
  try {
    const rows = await loadReference(store, p.ref, p.item.uri, p.item.localPath, () =>
      p.content.read(0, p.content.length),
    );
    await upsertCheckpoints(store, [p.checkpoint]);
    addSource(summary, { ...base, status: 'loaded', note: `${p.ref}: ${rows.toLocaleString('en-US')} rows` });
  } catch (err) {
    if (!(err instanceof ReferenceFileError)) throw err;
    const raw = (await p.content.read(err.offset ?? 0, (err.offset ?? 0) + 200)).toString('utf8');
    await rejectFile(store, p.item.uri, err.offset, err.message, raw, p.checkpoint);
    addSource(summary, { ...base, status: 'rejected', note: err.message });
  }
}

/**
 * Paths that could not be read (permission denied, vanished, a directory that cannot be listed):
 * one IngestErrors row each. They get no checkpoint, so a path that becomes readable is read by the
 * next run; one that stays unreadable is in the summary of every run but stored once.
 */
async function storeUnreadable(
  store: Store,
  unreadable: readonly Skipped[],
  summary: IngestSummary,
): Promise<void> {
  for (const x of unreadable) addSource(summary, skippedResult(x));
  if (unreadable.length === 0) return;
  const params = new SqlParams();
  const rows = unreadable.map((x) => ({ uri: x.uri, reason: x.reason }));
  await store.run(
    `INSERT INTO IngestErrors (TimeGenerated, SourceUri, Level, Reason)
     SELECT now()::TIMESTAMP, uri, 'file', reason FROM ${sqlJsonRows(rows, { uri: 'VARCHAR', reason: 'VARCHAR' }, params)} x
     WHERE NOT EXISTS (SELECT 1 FROM IngestErrors e WHERE e.SourceUri = x.uri AND e.Level = 'file' AND e.Reason = x.reason)`,
    params.values,
  );
}

function skippedResult(x: Skipped): Parameters<typeof addSource>[1] {
  return { uri: x.uri, ...NOTHING_READ, status: x.unreadable ? 'rejected' : 'skipped', note: x.reason };
}
