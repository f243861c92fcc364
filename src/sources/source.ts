/** What the storage path of a blob tells about its content (`.../y=/m=/d=/h=/m=00/macAddress=.../PT1H.json`). */
export interface PathInfo {
  readonly mac?: string;
  readonly hour?: string;
  /** The opaque flow-log id: the path prefix before `/y=`, after `flowLogResourceID=` or `resourceId=`. */
  readonly flowLogId?: string;
}

/** One readable object a source found: a file or a blob, with the identity that checkpoints key on. */
export interface SourceItem {
  /** Stable identity, e.g. file:///abs/path/PT1H.json. */
  readonly uri: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** A local path DuckDB may read directly, when there is one. */
  readonly localPath?: string;
  /** True when the item was named explicitly rather than found by walking a tree. */
  readonly explicit: boolean;
  readonly pathInfo: PathInfo;
  /** Reads raw (possibly compressed) bytes [start, end). */
  read(start: number, end: number): Promise<Buffer>;
  /**
   * A cheap identity of bytes [0, end), when the store can give one without reading them (a block
   * blob's committed block list); null when it cannot. Checkpoints of items that have it use it,
   * so checking a grown blob costs one call instead of reading its first and last 64 KiB.
   */
  prefixFingerprint?(end: number): Promise<string | null>;
  /** Drops bytes the item keeps in memory (a blob's last ranged read). */
  release?(): void;
}

/** Something a source found but will not read, with the reason (shown in the summary). */
export interface Skipped {
  readonly uri: string;
  readonly reason: string;
  /** True when it could not be read at all (the run then exits non-zero). */
  readonly unreadable?: boolean;
}

/** A source of flow-log bytes. Each type lives in its own folder and registers in registry.ts. */
export interface Source {
  readonly type: string;
  /** Lists items in a stable order (time-ordered for the storage layout), plus what it skipped. */
  list(): AsyncIterable<SourceItem | Skipped>;
}
