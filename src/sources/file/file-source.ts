import { closeSync, openSync, readSync, type Stats } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseBlobPath } from '../blob-path.js';
import type { Skipped, Source, SourceItem } from '../source.js';

/** Reads up to this size are done synchronously (see read). */
const SYNC_READ_BYTES = 256 * 1024;

/**
 * File names a directory walk reads (flow logs and reference data: JSON, indicator lists, MaxMind
 * databases); explicitly named files are read whatever their name.
 */
const WALK_NAMES = /\.(json|jsonl|ndjson|txt|csv|mmdb)(\.gz)?$/i;

/** An unreadable path given by the user: the ingest fails before it starts, naming it. */
export class UnreadablePathError extends Error {
  constructor(
    readonly path: string,
    cause: string,
  ) {
    super(`cannot read ${path}: ${cause}`);
    this.name = 'UnreadablePathError';
  }
}

/** Local files and directory trees (walked recursively, in sorted order so time order is kept). */
export class FileSource implements Source {
  readonly type = 'file';

  constructor(private readonly paths: readonly string[]) {}

  /** Checks every path up front so a typo fails fast instead of after an hour of ingest. */
  async check(): Promise<void> {
    for (const p of this.paths) {
      try {
        await stat(p);
      } catch (err) {
        throw new UnreadablePathError(p, describe(err));
      }
    }
  }

  async *list(): AsyncIterable<SourceItem | Skipped> {
    // A file reached twice (through a link, or named twice) is read once, under the first name in
    // walk order: which one wins does not depend on the concurrent walk's timing.
    const seen = new Set<string>();
    for (const p of this.paths) {
      for (const { key, entry } of await collect(resolve(p), true, new Set())) {
        if (key !== null) {
          if (seen.has(key)) continue;
          seen.add(key);
        }
        yield entry;
      }
    }
  }
}

/** A walk result with the identity (device and inode) of a file, to read each real file once. */
interface Walked {
  readonly key: string | null;
  readonly entry: SourceItem | Skipped;
}

/**
 * Everything under a path, in name order. Subdirectories are listed concurrently: a storage tree
 * is about twenty levels deep with one blob per leaf folder, and walking it one readdir or stat at
 * a time was most of the listing time. Links are followed, but never into a directory that is one
 * of the walk's own ancestors (`up -> ..`, a link to the tree's root): each such loop would
 * otherwise be followed 40 levels deep, with the tree copied at every level.
 */
async function collect(path: string, explicit: boolean, ancestors: ReadonlySet<string>): Promise<Walked[]> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    return [unreadable(path, `unreadable: ${describe(err)}`)];
  }
  const key = `${info.dev}:${info.ino}`;
  if (info.isFile())
    return explicit || WALK_NAMES.test(path)
      ? [{ key, entry: fileItem(path, info.size, info.mtimeMs, explicit) }]
      : [];
  if (!info.isDirectory())
    // A named pipe would block the read forever, and a device has no end: neither is read.
    return explicit || WALK_NAMES.test(path)
      ? [unreadable(path, `unreadable: not a regular file (${special(info)})`)]
      : [];
  if (ancestors.has(key))
    return [
      {
        key: null,
        entry: { uri: pathToFileURL(path).href, reason: 'a link to a directory above it: not followed' },
      },
    ];
  let names: string[];
  try {
    names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort();
  } catch (err) {
    return [unreadable(path, `unreadable directory: ${describe(err)}`)];
  }
  const inside = new Set(ancestors).add(key);
  return (await Promise.all(names.map((n) => collect(join(path, n), false, inside)))).flat();
}

function special(info: Stats): string {
  if (info.isFIFO()) return 'a named pipe';
  if (info.isSocket()) return 'a socket';
  return 'a device';
}

function unreadable(path: string, reason: string): Walked {
  return { key: null, entry: { uri: pathToFileURL(path).href, reason, unreadable: true } };
}

function fileItem(path: string, size: number, mtimeMs: number, explicit: boolean): SourceItem {
  return {
    uri: pathToFileURL(path).href,
    size,
    mtimeMs,
    localPath: path,
    explicit,
    pathInfo: parseBlobPath(path),
    read: (start, end) => readFileRange(path, start, end),
  };
}

/** Reads bytes [start, end) of a local file (fewer at its end). */
export async function readFileRange(path: string, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.alloc(Math.max(0, end - start));
  // Reads until the buffer is full or the file ends, with a read at a buffer offset.
  const fill = async (readAt: (got: number) => number | Promise<number>): Promise<Buffer> => {
    let got = 0;
    while (got < buf.length) {
      const n = await readAt(got);
      if (n === 0) break;
      got += n;
    }
    return got === buf.length ? buf : buf.subarray(0, got);
  };
  // Small reads (the head and tail ingest looks at, 8-64 KiB) are synchronous: on a local file
  // one is a few microseconds, where the promise API's round trip through the thread pool cost
  // more than the read, and a few hundred of them came before the insert could start.
  if (buf.length <= SYNC_READ_BYTES) {
    const fd = openSync(path, 'r');
    try {
      return await fill((got) => readSync(fd, buf, got, buf.length - got, start + got));
    } finally {
      closeSync(fd);
    }
  }
  const fh = await open(path, 'r');
  try {
    return await fill(async (got) => (await fh.read(buf, got, buf.length - got, start + got)).bytesRead);
  } finally {
    await fh.close();
  }
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES') return 'permission denied';
  return e?.message ?? String(err);
}
