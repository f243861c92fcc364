import { createHash } from 'node:crypto';
import { constants, gunzipSync } from 'node:zlib';
import type { SourceItem } from '../sources/source.js';

/** The decompressed bytes of a source item. Offsets everywhere in ingest are offsets into these. */
export interface Content {
  readonly length: number;
  readonly gzip: boolean;
  /** A local file DuckDB can read directly (plain files only). */
  readonly directPath?: string;
  /** Set when a damaged gzip stream was only partly decompressed. */
  readonly damage?: string;
  read(start: number, end: number): Promise<Buffer>;
  /** Drops cached bytes; later reads (rare: only to locate errors) go back to the source. */
  release(): void;
}

/** Opens an item, recognising gzip by its magic bytes rather than its name. */
export async function openContent(item: SourceItem): Promise<Content> {
  // Detection and the tail check read the first and last few KiB: fetch them once so a plain
  // file costs two small reads however many of those checks run.
  const headEnd = Math.min(item.size, EDGE);
  let head: Buffer | null = await item.read(0, headEnd);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return openGzip(item);
  const tailStart = Math.max(headEnd, item.size - EDGE);
  let tail: Buffer | null = tailStart < item.size ? await item.read(tailStart, item.size) : Buffer.alloc(0);
  return {
    length: item.size,
    gzip: false,
    ...(item.localPath ? { directPath: item.localPath } : {}),
    read: async (start, end) => {
      const stop = Math.min(end, item.size);
      if (head && stop <= headEnd) return head.subarray(start, stop);
      if (tail && start >= tailStart) return tail.subarray(start - tailStart, stop - tailStart);
      return item.read(start, stop);
    },
    release: () => {
      head = null;
      tail = null;
    },
  };
}

async function openGzip(item: SourceItem): Promise<Content> {
  let damage: string | undefined;
  const inflate = async (): Promise<Buffer> => {
    const raw = await item.read(0, item.size);
    try {
      return gunzipSync(raw);
    } catch (err) {
      // A truncated or corrupt stream: keep what decompresses so the records before the damage survive.
      const buf = gunzipSync(raw, { finishFlush: constants.Z_SYNC_FLUSH });
      damage = `gzip stream damaged (${(err as Error).message}); read the ${buf.length} bytes that decompress`;
      return buf;
    }
  };
  let buf: Buffer | null = await inflate();
  return {
    length: buf.length,
    gzip: true,
    ...(damage ? { damage } : {}),
    read: async (start, end) => (buf ??= await inflate()).subarray(start, end),
    release: () => {
      buf = null;
    },
  };
}

const EDGE = 8 * 1024;

const WINDOW = 64 * 1024;

/**
 * A fingerprint of the bytes before `end`: hashes of the first and the last 64 KiB, plus `end`.
 * Azure only ever inserts blocks before a blob's tail, so a rewritten blob shows up in its head or
 * just before the old end; hashing two windows instead of the whole prefix keeps a check of a
 * grown 100 MB blob to 128 KiB of reading.
 */
export async function fingerprint(content: Content, end: number): Promise<string> {
  const hash = createHash('sha1');
  hash.update(await content.read(0, Math.min(WINDOW, end)));
  hash.update(await content.read(Math.max(0, end - WINDOW), end));
  return `${hash.digest('hex')}:${end}`;
}
