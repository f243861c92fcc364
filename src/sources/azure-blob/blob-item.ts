import { createHash } from 'node:crypto';
import { parseBlobPath } from '../blob-path.js';
import type { PathInfo, SourceItem } from '../source.js';
import { StorageError, type Block, type ContainerStorage, type ListedBlob } from './storage.js';

/**
 * A read that reaches this close to a blob's end fetches the rest of the blob with it: the bytes
 * after a checkpoint, or a whole hourly blob of a few MB, then cost one ranged GET however the
 * ingest slices its reads (head, tail, records).
 */
const READ_TO_END_BYTES = 4 << 20;

/** One listed blob as an ingest item: ranged reads, and a fingerprint from its block list. */
export class BlobItem implements SourceItem {
  readonly uri: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly explicit = false;
  readonly pathInfo: PathInfo;
  private cached: { start: number; bytes: Buffer } | null = null;
  private blockList: Promise<Block[]> | null = null;

  constructor(
    private readonly storage: ContainerStorage,
    private readonly blob: ListedBlob,
  ) {
    const loc = storage.location;
    this.uri = `az://${loc.account}/${loc.container}/${blob.name}`;
    this.size = blob.size;
    this.mtimeMs = blob.lastModified;
    this.pathInfo = parseBlobPath(blob.name);
  }

  async read(start: number, end: number): Promise<Buffer> {
    const stop = Math.min(end, this.size);
    if (start >= stop) return Buffer.alloc(0);
    const c = this.cached;
    if (c && start >= c.start && stop <= c.start + c.bytes.length)
      return c.bytes.subarray(start - c.start, stop - c.start);
    const to = this.size - start <= READ_TO_END_BYTES ? this.size : stop;
    let bytes: Buffer;
    try {
      bytes = await this.storage.read(this.blob.name, start, to);
    } catch (err) {
      throw this.deleted(err, start);
    }
    // A blob that shrank between the listing and the read returns fewer bytes: reads past them
    // come back short, and the framing stops at the last complete record.
    if (to === this.size) this.cached = { start, bytes };
    return bytes.subarray(0, stop - start);
  }

  /**
   * The committed blocks that make up bytes [0, end): their ids and sizes, hashed. Azure never
   * rewrites a committed block of a flow-log blob (it commits a longer list), so equal hashes mean
   * equal bytes without reading them. Null for a blob written in one piece (no block list) or one
   * now shorter than `end`: the ingest then hashes the bytes themselves.
   */
  async prefixFingerprint(end: number): Promise<string | null> {
    this.blockList ??= this.storage.blocks(this.blob.name).catch((err: unknown) => {
      throw this.deleted(err, end);
    });
    const blocks = await this.blockList;
    if (blocks.length === 0) return null;
    const hash = createHash('sha1');
    let at = 0;
    for (const b of blocks) {
      if (at >= end) break;
      const part = Math.min(b.size, end - at);
      hash.update(`${b.name}:${b.size}:${part}\n`);
      at += part;
    }
    return at < end ? null : `blocks:${hash.digest('hex')}:${end}`;
  }

  /** A 404 means retention or a user deleted the blob after it was listed: say what was lost. */
  private deleted(err: unknown, readBefore: number): unknown {
    if (!(err instanceof StorageError) || err.status !== 404) return err;
    return new Error(
      `the blob was deleted before it was read (${this.size} bytes listed, ${readBefore} of them read before): its unread flow records are lost upstream`,
    );
  }

  release(): void {
    this.cached = null;
  }
}
