import { buildAnalytics, type AnalyticsSummary } from '../analytics/build.js';
import { answerKql } from '../kql/answer.js';
import { mergeAllowLists } from '../detect/allow-list.js';
import { detect, type DetectSummary } from '../detect/detect.js';
import { checkRules, type RuleFiles } from '../detect/load-rules.js';
import { ingest } from '../ingest/ingest.js';
import { AzureBlobSource } from '../sources/azure-blob/azure-blob-source.js';
import { isBlobSpec } from '../sources/azure-blob/location.js';
import type { OperationCounts } from '../sources/azure-blob/storage.js';
import { openSources } from '../sources/registry.js';
import type { Source } from '../sources/source.js';
import { readKqlCache, saveKqlCache } from '../store/duckdb/kql-cache-store.js';
import { resetDetection } from '../store/duckdb/detect-store.js';
import { applyRetention } from '../store/duckdb/retention.js';
import type { Store } from '../store/store.js';
import type { ServeConfig } from './config.js';
import type { Metrics } from './metrics.js';

/** What GET /api/sources says of one source. */
export interface SourceStatus {
  /** The directory, or the storage location with no secret in it (az://ACCOUNT/CONTAINER/PREFIX). */
  readonly path: string;
  /** A blob source's storage operations since the server started (Azure bills per operation). */
  storage?: OperationCounts;
  files: number;
  filesRead: number;
  filesRejected: number;
  tuplesStored: number;
  tuplesRejected: number;
  /** When the last pass over it finished (ISO), and whether it failed as a whole. */
  lastPass: string | null;
  lastError: string | null;
  /** Files skipped or rejected, newest first (at most 100), each with why: what ingest --verbose prints. */
  problems: { uri: string; status: string; note: string }[];
}

/** Who keeps answers that a write makes stale (the server's answer cache). */
export interface WriteListener {
  beginWrite(): void;
  /** `changed`: the writes may have changed what some query answers. */
  endWrite(changed: boolean): void;
}

/** What the last pass did, for /api/health and the log. */
export interface PassSummary {
  readonly at: string;
  readonly tuplesStored: number;
  readonly analytics: AnalyticsSummary | null;
  readonly detect: DetectSummary | null;
  readonly retention: Record<string, number> | null;
  readonly seconds: number;
}

const HOUR = 3_600_000;
/**
 * A push starts a pass this long after it arrives: the events of one minute's blocks (a burst, one
 * per NIC) are read by one pass instead of one each.
 */
const PUSH_DELAY_MS = 250;

/**
 * The server's writer: every `poll`, ingest what is new in each source, then bring the Traffic
 * Analytics tables and the alerts up to date, and once an hour apply retention. All writes go
 * through `exclusive`, one at a time on the writer session; queries run on their own sessions
 * and read the last committed state, so they never wait for a batch.
 */
export class Pipeline {
  readonly sources: SourceStatus[];
  last: PassSummary | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private lastRetention = 0;
  private stopping = false;
  private running: Promise<unknown> | null = null;
  /** A push asked for a pass while one ran: the next starts as soon as it ends. */
  private wakeRequested = false;
  /** The pending timer is a push's (due within PUSH_DELAY_MS): later pushes must not defer it. */
  private pushScheduled = false;
  /** Blob sources live as long as the server: what they learnt (flow-log roots) carries over. */
  private readonly blobSources = new Map<number, AzureBlobSource>();

  constructor(
    private readonly store: Store,
    private readonly config: ServeConfig,
    private readonly rules: RuleFiles,
    private readonly metrics: Metrics,
    private readonly log: (line: string) => void,
    /** Told when writes begin and end, and whether they changed what a query answers. */
    private readonly writes: WriteListener = { beginWrite: () => undefined, endWrite: () => undefined },
  ) {
    config.sources.forEach((spec, i) => {
      if (isBlobSpec(spec)) this.blobSources.set(i, new AzureBlobSource(spec, { mode: 'watch' }));
    });
    this.sources = config.sources.map((spec, i) => ({
      path: this.blobSources.get(i)?.location.display ?? spec,
      files: 0,
      filesRead: 0,
      filesRejected: 0,
      tuplesStored: 0,
      tuplesRejected: 0,
      lastPass: null,
      lastError: null,
      problems: [],
    }));
  }

  /** Runs fn after every write queued before it; the queue goes on whatever fn does. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** The first pass now, then one every `poll` after the previous one ends (or sooner, on a push). */
  start(): void {
    void this.loop();
  }

  private async loop(): Promise<void> {
    if (this.stopping) return;
    this.timer = null;
    this.pushScheduled = false;
    this.running = this.exclusive(() => this.pass()).catch((err: unknown) =>
      this.log(`pass failed: ${(err as Error)?.message ?? String(err)}`),
    );
    await this.running;
    if (this.stopping) return;
    this.pushScheduled = this.wakeRequested;
    this.wakeRequested = false;
    this.timer = setTimeout(() => void this.loop(), this.pushScheduled ? PUSH_DELAY_MS : this.config.poll);
  }

  /**
   * A blob was written (an Event Grid BlobCreated event): the sources that cover it list it at
   * their next pass, which starts within PUSH_DELAY_MS. Returns how many sources cover it.
   */
  push(account: string, container: string, name: string): number {
    let covered = 0;
    for (const source of this.blobSources.values())
      if (source.covers(account, container, name)) {
        source.notify(name);
        covered++;
      }
    if (covered > 0 && !this.stopping) {
      if (this.timer && !this.pushScheduled) {
        // Events come in bursts, one per NIC: the first brings the pass forward, the rest ride on it.
        clearTimeout(this.timer);
        this.pushScheduled = true;
        this.timer = setTimeout(() => void this.loop(), PUSH_DELAY_MS);
      } else if (!this.timer) this.wakeRequested = true;
    }
    return covered;
  }

  /** Stops scheduling and waits for the pass under way (its batches commit or roll back whole). */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.chain;
  }

  /** One pass: ingest each source, analytics and detection if anything arrived, retention hourly. */
  async pass(): Promise<PassSummary> {
    this.writes.beginWrite();
    let changed = false;
    try {
      const summary = await this.passWrites();
      changed =
        summary.tuplesStored > 0 ||
        (summary.analytics?.rebuiltFrom ?? null) !== null ||
        Object.values(summary.retention ?? {}).some((n) => n > 0) ||
        Boolean(summary.detect?.raised);
      return summary;
    } finally {
      // Until here, a pass may have committed some batches and not others: no answer is kept.
      this.writes.endWrite(changed || this.last === null);
    }
  }

  private async passWrites(): Promise<PassSummary> {
    const started = performance.now();
    let stored = 0;
    for (const [i, s] of this.sources.entries()) {
      if (this.stopping) break;
      const blob = this.blobSources.get(i);
      try {
        // A directory is walked afresh each pass (and checked: one removed since is this source's error).
        const source: Source = blob ?? (await openSources([this.config.sources[i]], { mode: 'watch' }))[0];
        const summary = await ingest({ store: this.store, sources: [source] });
        s.files = summary.files;
        s.filesRead += summary.filesRead;
        s.filesRejected += summary.filesRejected;
        s.tuplesStored += summary.tuplesStored;
        s.tuplesRejected += summary.tuplesRejected;
        s.lastError = null;
        const problems = summary.sources
          .filter((x) => x.note && x.status !== 'loaded')
          .map((x) => ({ uri: x.uri, status: x.status, note: x.note! }));
        s.problems = [...problems, ...s.problems.filter((p) => !problems.some((q) => q.uri === p.uri))].slice(
          0,
          100,
        );
        stored += summary.tuplesStored;
        this.metrics.tuplesIngested += summary.tuplesStored;
        this.metrics.tuplesRejected += summary.tuplesRejected;
        this.metrics.ingestBatches++;
        if (summary.filesRead > 0)
          this.log(
            `ingest ${s.path}: ${summary.filesRead} files, ${summary.tuplesStored} tuples stored, ${summary.tuplesRejected} rejected`,
          );
      } catch (err) {
        // One source failing (a removed directory, a full disk) never stops the others.
        s.lastError = (err as Error)?.message ?? String(err);
        this.metrics.ingestFailures++;
        this.log(`ingest ${s.path} failed: ${s.lastError}`);
      }
      if (blob) {
        s.storage = blob.counts();
        this.metrics.storage.set(s.path, s.storage);
      }
      s.lastPass = new Date().toISOString();
    }
    const first = this.last === null;
    const analytics =
      stored > 0 || first
        ? await buildAnalytics(this.store, { intervalMinutes: this.config.analyticsInterval })
        : null;
    const detection = stored > 0 || first ? await this.detect() : null;
    let retention: Record<string, number> | null = null;
    if (this.config.retention !== null && Date.now() - this.lastRetention >= HOUR) {
      retention = await applyRetention(this.store, new Date(Date.now() - this.config.retention));
      this.lastRetention = Date.now();
      const n = Object.values(retention).reduce((a, b) => a + b, 0);
      if (n > 0) this.log(`retention: deleted ${n} rows older than ${this.config.retention / HOUR} h`);
    }
    await this.refreshFigures();
    this.last = {
      at: new Date().toISOString(),
      tuplesStored: stored,
      analytics,
      detect: detection,
      retention,
      seconds: (performance.now() - started) / 1000,
    };
    return this.last;
  }

  /** Runs the configured rules (all windows again after reset); the caller holds `exclusive`. */
  async detect(options: { from?: Date; to?: Date; reset?: boolean } = {}): Promise<DetectSummary> {
    this.writes.beginWrite();
    let changed = Boolean(options.reset);
    try {
      const summary = await this.detectWrites(options);
      changed ||= summary.raised > 0;
      return summary;
    } finally {
      this.writes.endWrite(changed);
    }
  }

  private async detectWrites(options: { from?: Date; to?: Date; reset?: boolean }): Promise<DetectSummary> {
    const cache = await readKqlCache(this.store);
    const set = checkRules(
      { ...this.rules, allowList: mergeAllowLists(this.rules.allowList, this.config.allowList) },
      cache,
    );
    if (options.reset) await resetDetection(this.store);
    const summary = await detect(this.store, set, {
      ...(options.from ? { from: options.from } : {}),
      ...(options.to ? { to: options.to } : {}),
    });
    await saveKqlCache(this.store, cache);
    for (const r of summary.rules) if (r.error) this.log(`detect: rule ${r.ruleId} failed: ${r.error}`);
    if (summary.raised) this.log(`detect: ${summary.raised} new alerts`);
    await this.refreshFigures();
    return summary;
  }

  /** Lag and alerts by rule, for /metrics (asked in KQL, so any store answers them). */
  private async refreshFigures(): Promise<void> {
    const now = new Date();
    const newest = await answerKql(this.store, 'FlowTuples | summarize max(TimeGenerated)', now);
    const t = newest.rows[0]?.[0];
    this.metrics.lagSeconds = typeof t === 'string' ? (now.getTime() - Date.parse(t)) / 1000 : null;
    const byRule = await answerKql(this.store, 'Alerts | summarize count() by RuleName', now);
    this.metrics.alertsByRule = new Map(byRule.rows.map((r) => [String(r[0]), Number(r[1])]));
  }
}
