import type { Skipped, Source, SourceItem } from '../source.js';
import { BlobItem } from './blob-item.js';
import { parseBlobLocation, type BlobLocation } from './location.js';
import type { RetryPolicy } from './retry.js';
import { ContainerStorage, emptyCounts, type OperationCounts } from './storage.js';

/** How a blob source lists. */
export interface BlobSourceOptions {
  /**
   * once: every blob under the prefix (vnetflow ingest). watch: the same at the first listing (the
   * catch-up), then only the hour folders that can still change (vnetflow serve).
   */
  readonly mode: 'once' | 'watch';
  /** The clock that says which hours are current (tests move it across hour boundaries). */
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  /** How often a watch looks for flow logs that appeared since (default 10 minutes). */
  readonly rediscoverMs?: number;
  /** How often a watch lists the whole location again (default an hour). */
  readonly catchUpMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

const HOUR = 3_600_000;
const DEFAULT_REDISCOVER_MS = 10 * 60_000;
/** How often a watch lists the whole location again by default (see plan()). */
const DEFAULT_CATCH_UP_MS = HOUR;
/** A discovery walk stops after this many list calls (a tree that is no flow-log layout); the roots found are kept. */
const MAX_WALK_CALLS = 2000;
/** The folder that starts the hourly layout under a flow log's root. */
const YEAR_FOLDER = /(?:^|\/)y=\d{4}\/$/;

/**
 * Flow logs where Azure writes them: a container of an Azure storage account (or an emulator).
 * Azure writes one PT1H.json block blob per NIC and hour under `<root>/y=/m=/d=/h=/m=00/macAddress=/`
 * and commits a longer block list about every minute, so a watch lists only the current and the
 * previous hour under each flow log's root: one list call per root and hour, however many days the
 * container keeps. Roots are learnt from a whole listing at the start (repeated hourly as a
 * catch-up) and found by walking the folder tree down to its `y=` level every `rediscoverMs`; a
 * root found later is caught up whole.
 */
export class AzureBlobSource implements Source {
  readonly type = 'azure-blob';
  readonly location: BlobLocation;
  readonly storage: ContainerStorage;
  private roots: Set<string> | null = null;
  private discoveredAt = 0;
  private caughtUpAt = 0;
  private readonly pushed = new Set<string>();
  private readonly now: () => number;

  constructor(
    spec: string,
    private readonly options: BlobSourceOptions,
  ) {
    this.location = parseBlobLocation(spec, options.env);
    this.storage = new ContainerStorage(this.location, options.retry);
    this.now = options.now ?? Date.now;
  }

  /** Storage operations since the source was made (a copy). */
  counts(): OperationCounts {
    return { ...emptyCounts(), ...this.storage.counts };
  }

  /** True when a blob of this account and container falls under this source's prefix. */
  covers(account: string, container: string, name: string): boolean {
    return (
      account === this.location.account &&
      container === this.location.container &&
      name.startsWith(this.location.prefix)
    );
  }

  /** A blob named by a push notification: the next listing includes it whatever its hour. */
  notify(name: string): void {
    this.pushed.add(name);
  }

  async *list(): AsyncIterable<SourceItem | Skipped> {
    const plan = await this.plan();
    const seen = new Set<string>();
    const learned = new Set<string>();
    for (const prefix of plan.prefixes) {
      for await (const b of this.storage.list(prefix)) {
        if (seen.has(b.name)) continue;
        seen.add(b.name);
        this.pushed.delete(b.name);
        const root = /^(.*?\/)y=\d{4}\//.exec(b.name);
        if (root) learned.add(root[1]);
        yield new BlobItem(this.storage, b);
      }
    }
    // Only a listing that ran to its end teaches roots and counts as a catch-up: one cut short by
    // a fault is done again at the next pass, so no older hour is left unlisted.
    if (plan.learn) {
      this.roots = new Set([...(this.roots ?? []), ...learned, ...plan.fresh]);
      if (plan.catchUp) this.caughtUpAt = plan.at;
    }
    // Blobs a push named outside the hours listed (a late block in an older hour).
    for (const name of [...this.pushed]) {
      this.pushed.delete(name);
      if (seen.has(name)) continue;
      for await (const b of this.storage.list(name)) {
        if (b.name !== name || seen.has(name)) continue;
        seen.add(name);
        yield new BlobItem(this.storage, b);
      }
    }
  }

  /**
   * What to list this time: all of it (once; a catch-up at the start and every catchUpMs; a
   * container with no hourly layout), or the live hours of each known root plus any root the
   * discovery walk found since, whole.
   */
  private async plan(): Promise<{
    prefixes: string[];
    learn: boolean;
    catchUp: boolean;
    fresh: string[];
    at: number;
  }> {
    const all = this.location.prefix;
    const at = this.now();
    // A prefix inside the hourly layout names a part of it on purpose: list exactly that.
    if (this.options.mode === 'once' || /(^|\/)y=\d{4}(\/|$)/.test(all))
      return { prefixes: [all], learn: false, catchUp: false, fresh: [], at };
    // The catch-up lists everything (unchanged blobs cost only their share of the listing): what
    // an earlier pass could not read, and late blocks in older hours, are read within the hour.
    if (this.roots === null || at - this.caughtUpAt >= (this.options.catchUpMs ?? DEFAULT_CATCH_UP_MS)) {
      this.discoveredAt = at;
      return { prefixes: [all], learn: true, catchUp: true, fresh: [], at };
    }
    const fresh: string[] = [];
    if (at - this.discoveredAt >= (this.options.rediscoverMs ?? DEFAULT_REDISCOVER_MS)) {
      for (const root of await this.discover()) if (!this.roots.has(root)) fresh.push(root);
      this.discoveredAt = at;
    }
    // No layout found (an empty container, or blobs of another shape): keep listing it all.
    if (this.roots.size === 0 && fresh.length === 0)
      return { prefixes: [all], learn: true, catchUp: false, fresh, at };
    const prefixes = [...fresh];
    for (const root of this.roots) prefixes.push(...this.liveHours(root));
    return { prefixes, learn: true, catchUp: false, fresh, at };
  }

  /** The previous and the current hour folders under a root, by this source's clock (UTC). */
  private liveHours(root: string): string[] {
    const now = this.now();
    return [now - HOUR, now].map((t) => {
      const d = new Date(t);
      const p2 = (n: number): string => String(n).padStart(2, '0');
      return `${root}y=${d.getUTCFullYear()}/m=${p2(d.getUTCMonth() + 1)}/d=${p2(d.getUTCDate())}/h=${p2(d.getUTCHours())}/`;
    });
  }

  /** Walks the folder tree under the prefix down to the folders that hold `y=YYYY/`. */
  private async discover(): Promise<string[]> {
    const roots: string[] = [];
    const queue = [this.location.prefix];
    for (let calls = 0; queue.length > 0 && calls < MAX_WALK_CALLS; calls++) {
      const folder = queue.shift()!;
      const children = await this.storage.folders(folder);
      if (children.some((c) => YEAR_FOLDER.test(c.slice(folder.length)))) roots.push(folder);
      else queue.push(...children);
    }
    return roots;
  }
}
