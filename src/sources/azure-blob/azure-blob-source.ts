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
  readonly env?: NodeJS.ProcessEnv;
}

const HOUR = 3_600_000;
const DEFAULT_REDISCOVER_MS = 10 * 60_000;
/** A discovery walk that needs more list calls than this is no flow-log layout: list flat instead. */
const MAX_WALK_CALLS = 2000;
/** The folder that starts the hourly layout under a flow log's root. */
const YEAR_FOLDER = /(?:^|\/)y=\d{4}\/$/;

/**
 * Flow logs where Azure writes them: a container of an Azure storage account (or an emulator).
 * Azure writes one PT1H.json block blob per NIC and hour under `<root>/y=/m=/d=/h=/m=00/macAddress=/`
 * and commits a longer block list about every minute, so a watch lists only the current and the
 * previous hour under each flow log's root: one list call per root and hour, however many days the
 * container keeps. Roots are found by walking the folder tree down to its `y=` level, at the start
 * and every `rediscoverMs`; a root found later is caught up whole.
 */
export class AzureBlobSource implements Source {
  readonly type = 'azure-blob';
  readonly location: BlobLocation;
  readonly storage: ContainerStorage;
  private roots: Set<string> | null = null;
  private discoveredAt = 0;
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
    const seen = new Set<string>();
    for (const prefix of await this.prefixes()) {
      for await (const b of this.storage.list(prefix)) {
        if (seen.has(b.name)) continue;
        seen.add(b.name);
        this.pushed.delete(b.name);
        if (this.roots && this.options.mode === 'watch') this.learnRoot(b.name);
        yield new BlobItem(this.storage, b);
      }
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

  /** The prefixes to list this time: all of it, or the live hours of each known root. */
  private async prefixes(): Promise<string[]> {
    const all = this.location.prefix;
    // A prefix inside the hourly layout names a part of it on purpose: list exactly that.
    if (this.options.mode === 'once' || /(^|\/)y=\d{4}(\/|$)/.test(all)) return [all];
    if (this.roots === null) {
      // The catch-up: everything once; roots are learnt from the names on the way.
      this.roots = new Set();
      this.discoveredAt = this.now();
      return [all];
    }
    const fresh: string[] = [];
    if (this.now() - this.discoveredAt >= (this.options.rediscoverMs ?? DEFAULT_REDISCOVER_MS)) {
      this.discoveredAt = this.now();
      for (const root of await this.discover()) if (!this.roots.has(root)) fresh.push(root);
    }
    // No layout found (an empty container, or blobs of another shape): keep listing it all.
    if (this.roots.size === 0 && fresh.length === 0) return [all];
    const out = [...fresh];
    for (const root of this.roots) if (!fresh.includes(root)) out.push(...this.liveHours(root));
    for (const root of fresh) this.roots.add(root);
    return out;
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

  private learnRoot(name: string): void {
    const m = /^(.*?\/)y=\d{4}\//.exec(name);
    if (m) this.roots!.add(m[1]);
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
