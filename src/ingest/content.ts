import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { readFileRange } from '../sources/file/file-source.js';
import type { SourceItem } from '../sources/source.js';

/** The decompressed bytes of a source item. Offsets everywhere in ingest are offsets into these. */
export interface Content {
  readonly length: number;
  readonly gzip: boolean;
  /** A local file DuckDB can read directly (a plain file, or a gzip file's inflated copy). */
  readonly directPath?: string;
  /** Set when a damaged gzip stream was only partly decompressed. */
  readonly damage?: string;
  read(start: number, end: number): Promise<Buffer>;
  /** The item's own identity of bytes [0, end) (see SourceItem.prefixFingerprint); offsets of plain content only. */
  prefixFingerprint?(end: number): Promise<string | null>;
  /** Drops cached bytes; later reads (rare: only to locate errors) go back to the source. */
  release(): void;
  /** Deletes what the content made on disk (a gzip file's inflated copy); no read may follow. */
  dispose(): Promise<void>;
}

/** Limits on what one gzip file may inflate to: a bomb is refused, never unpacked into memory. */
export interface InflateLimits {
  /** The most bytes one file may inflate to. */
  readonly maxBytes: number;
  /** Past `ratioAfter` inflated bytes, more than this many per compressed byte is a bomb. */
  readonly maxRatio: number;
  readonly ratioAfter: number;
}

/**
 * Flow-log JSON compresses about 10-20 to 1, a file of one repeated record perhaps 100 to 1; zeros
 * and other bombs compress 1000 to 1. The size limit is what the ingest handles in bounded memory
 * without trouble (a larger file can be split, or the limit raised with --max-file-mb).
 */
export const DEFAULT_INFLATE_LIMITS: InflateLimits = {
  maxBytes: 4 * 1024 ** 3,
  maxRatio: 200,
  ratioAfter: 16 << 20,
};

/** A gzip file that inflates past a limit: the file is rejected with this reason. */
export class InflateLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InflateLimitError';
  }
}

/**
 * Opens an item, recognising gzip by its magic bytes rather than its name. A gzip file is inflated
 * as a stream into a file in `tempDir` (memory stays flat whatever its size) and then read like a
 * plain file; it throws InflateLimitError for a file past the limits.
 */
export async function openContent(
  item: SourceItem,
  tempDir: string,
  limits: InflateLimits = DEFAULT_INFLATE_LIMITS,
): Promise<Content> {
  // Detection and the tail check read the first and last few KiB: fetch them once so a plain
  // file costs two small reads however many of those checks run.
  const headEnd = Math.min(item.size, EDGE);
  const head = await item.read(0, headEnd);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return openGzip(item, tempDir, limits);
  return fileContent(item.size, item.read.bind(item), head, item.localPath, {
    release: () => item.release?.(),
    ...(item.prefixFingerprint ? { prefixFingerprint: item.prefixFingerprint.bind(item) } : {}),
  });
}

/**
 * An item's bytes read on demand, with nothing read up front: for a grown blob whose checkpoint
 * already says what it is, only the new bytes are fetched.
 */
export function lazyContent(item: SourceItem): Content {
  return {
    length: item.size,
    gzip: false,
    read: (start, end) =>
      start >= Math.min(end, item.size)
        ? Promise.resolve(Buffer.alloc(0))
        : item.read(start, Math.min(end, item.size)),
    release: () => item.release?.(),
    dispose: () => Promise.resolve(item.release?.()),
    ...(item.prefixFingerprint ? { prefixFingerprint: item.prefixFingerprint.bind(item) } : {}),
  };
}

/** Bytes read from a file (or a source's ranged reads), with its head and tail kept in memory. */
async function fileContent(
  size: number,
  readRange: (start: number, end: number) => Promise<Buffer>,
  firstBytes: Buffer | null,
  directPath: string | undefined,
  extra: Partial<Pick<Content, 'gzip' | 'damage' | 'dispose' | 'release' | 'prefixFingerprint'>> = {},
): Promise<Content> {
  const headEnd = Math.min(size, EDGE);
  let head: Buffer | null = firstBytes ?? (await readRange(0, headEnd));
  const tailStart = Math.max(headEnd, size - EDGE);
  let tail: Buffer | null = tailStart < size ? await readRange(tailStart, size) : Buffer.alloc(0);
  return {
    length: size,
    gzip: false,
    ...(directPath ? { directPath } : {}),
    read: async (start, end) => {
      const stop = Math.min(end, size);
      if (start >= stop) return Buffer.alloc(0);
      if (head && stop <= headEnd) return head.subarray(start, stop);
      if (tail && start >= tailStart) return tail.subarray(start - tailStart, stop - tailStart);
      return readRange(start, stop);
    },
    ...extra,
    release: () => {
      head = null;
      tail = null;
      extra.release?.();
    },
    dispose: async () => {
      extra.release?.();
      await extra.dispose?.();
    },
  };
}

let inflated = 0;

async function openGzip(item: SourceItem, tempDir: string, limits: InflateLimits): Promise<Content> {
  const path = join(tempDir, `inflated-${++inflated}.json`);
  const fd = openSync(path, 'w');
  let out = 0;
  const gunzip = createGunzip();
  // Compressed bytes the inflater has taken in (not read ahead of it): the ratio's denominator.
  const compressedIn = (): number => gunzip.bytesWritten;
  let damage: string | undefined;
  async function* compressed(): AsyncGenerator<Buffer> {
    for (let pos = 0; pos < item.size; pos += READ_CHUNK) {
      const chunk = await item.read(pos, Math.min(item.size, pos + READ_CHUNK));
      if (chunk.length === 0) return;
      yield chunk;
    }
  }
  // The sink writes each inflated chunk at once, so what decompressed before a damaged spot is on
  // disk when the stream fails, and the records in it survive.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.length;
      if (out > limits.maxBytes)
        return done(new InflateLimitError(`gzip: inflates to more than ${mb(limits.maxBytes)}, the limit`));
      if (out > limits.ratioAfter && out / Math.max(1, compressedIn()) > limits.maxRatio)
        return done(
          new InflateLimitError(
            `gzip: inflates more than ${limits.maxRatio} to 1 (${mb(compressedIn())} to over ${mb(out)}): a decompression bomb`,
          ),
        );
      try {
        writeSync(fd, chunk);
        done();
      } catch (err) {
        done(err as Error);
      }
    },
  });
  try {
    await pipeline(Readable.from(compressed(), { highWaterMark: 1 }), gunzip, sink);
  } catch (err) {
    if (err instanceof InflateLimitError) {
      closeSync(fd);
      await rm(path, { force: true });
      throw err;
    }
    const e = err as NodeJS.ErrnoException;
    // A failing read of the source itself is no damage in the stream: the item is unreadable.
    if (!e.code?.startsWith('Z_') && !/unexpected end|incorrect header|invalid/i.test(e.message)) {
      closeSync(fd);
      await rm(path, { force: true });
      throw err;
    }
    damage = e.message;
  }
  closeSync(fd);
  // The compressed bytes are read once; what a source cached of them is of no further use.
  item.release?.();
  return fileContent(out, (start, end) => readFileRange(path, start, end), null, path, {
    gzip: true,
    ...(damage ? { damage: `gzip stream damaged (${damage}); read the ${out} bytes that decompress` } : {}),
    dispose: () => rm(path, { force: true }),
  });
}

function mb(bytes: number): string {
  return bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(1)} GiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}

const EDGE = 8 * 1024;
const READ_CHUNK = 256 << 10;

const WINDOW = 64 * 1024;

/**
 * A fingerprint of the bytes before `end`: hashes of the first and the last 64 KiB, plus `end`.
 * Azure only ever inserts blocks before a blob's tail, so a rewritten blob shows up in its head or
 * just before the old end; hashing two windows instead of the whole prefix keeps a check of a
 * grown 100 MB blob to 128 KiB of reading.
 */
export async function fingerprint(content: Content, end: number): Promise<string> {
  const cheap = content.gzip ? null : await content.prefixFingerprint?.(end);
  if (cheap) return cheap;
  const hash = createHash('sha1');
  hash.update(await content.read(0, Math.min(WINDOW, end)));
  hash.update(await content.read(Math.max(0, end - WINDOW), end));
  return `${hash.digest('hex')}:${end}`;
}
