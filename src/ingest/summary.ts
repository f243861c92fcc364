/** What happened to one source in one ingest run. */
export interface SourceResult {
  readonly uri: string;
  readonly format: string | null;
  readonly status: 'new' | 'grown' | 'changed' | 'unchanged' | 'skipped' | 'rejected' | 'loaded';
  readonly records: number;
  readonly tuplesRead: number;
  readonly tuplesStored: number;
  readonly tuplesRejected: number;
  readonly duplicatesSkipped: number;
  readonly recordsRejected: number;
  readonly note?: string;
}

/**
 * The ingest summary. The accounting invariant, per source and in total:
 * tuplesRead = tuplesStored + tuplesRejected + duplicatesSkipped.
 */
export interface IngestSummary {
  files: number;
  filesRead: number;
  filesUnchanged: number;
  filesSkipped: number;
  filesRejected: number;
  records: number;
  recordsRejected: number;
  tuplesRead: number;
  tuplesStored: number;
  tuplesRejected: number;
  duplicatesSkipped: number;
  errorRows: number;
  batches: number;
  seconds: number;
  tuplesPerSecond: number;
  sources: SourceResult[];
}

/** An empty summary to add to. */
export function emptySummary(): IngestSummary {
  return {
    files: 0,
    filesRead: 0,
    filesUnchanged: 0,
    filesSkipped: 0,
    filesRejected: 0,
    records: 0,
    recordsRejected: 0,
    tuplesRead: 0,
    tuplesStored: 0,
    tuplesRejected: 0,
    duplicatesSkipped: 0,
    errorRows: 0,
    batches: 0,
    seconds: 0,
    tuplesPerSecond: 0,
    sources: [],
  };
}

/** Adds one source's result to the totals. */
export function addSource(s: IngestSummary, r: SourceResult): void {
  s.sources.push(r);
  s.files++;
  if (r.status === 'unchanged') s.filesUnchanged++;
  else if (r.status === 'skipped') s.filesSkipped++;
  else if (r.status === 'rejected') s.filesRejected++;
  else s.filesRead++;
  s.records += r.records;
  s.recordsRejected += r.recordsRejected;
  s.tuplesRead += r.tuplesRead;
  s.tuplesStored += r.tuplesStored;
  s.tuplesRejected += r.tuplesRejected;
  s.duplicatesSkipped += r.duplicatesSkipped;
}
