import { rm } from 'node:fs/promises';
import type { FlowFormat } from '../formats/format.js';
import { closingBracket, type Framing } from '../formats/framing.js';
import { detect, formats } from '../formats/registry.js';
import { detectReference, type ReferenceKind } from '../enrich/reference.js';
import type { SourceItem } from '../sources/source.js';
import type { Checkpoint } from './checkpoint.js';
import {
  fingerprint,
  InflateLimitError,
  lazyContent,
  openContent,
  type Content,
  type InflateLimits,
} from './content.js';
import { cutRaw, type ErrorRow } from './errors.js';
import { frameInNode, type Part } from './frame.js';
import type { FramedRecords } from './framed-records.js';

/** Detection reads this much first, and more only when that was not enough to decide. */
const HEAD_BYTES = 8 * 1024;
const FULL_HEAD_BYTES = 64 * 1024;
/** A complete records blob ends in `]}` and whitespace: its last few KiB show it. */
const TAIL_BYTES = 8 * 1024;

/** An item ready for DuckDB: the file to read, where its records start, and what to checkpoint. */
export interface Prepared {
  readonly kind: 'ready';
  readonly item: SourceItem;
  readonly format: FlowFormat;
  /** new: first read; grown: only bytes after the checkpoint; changed: the prefix changed, re-read all. */
  readonly mode: 'new' | 'grown' | 'changed';
  /** The files DuckDB reads: the source itself (fast path) or part files in records framing. */
  readonly parts: readonly Part[];
  /** Records were not checked in Node: if DuckDB cannot read them typed, frame them again with salvage. */
  readonly unchecked: boolean;
  /** The source index of the first record read (non-zero for a grown blob). */
  readonly recBase: number;
  /**
   * Where each framed record came from, when framed in Node. Null for a direct item: DuckDB reads
   * the source (or a gzip file's inflated copy) itself as its one part, and errors are located on
   * demand.
   */
  readonly records: FramedRecords | null;
  readonly content: Content;
  readonly errors: ErrorRow[];
  readonly checkpoint: Omit<
    Checkpoint,
    'fingerprint' | 'tuplesRead' | 'tuplesStored' | 'tuplesRejected' | 'duplicatesSkipped'
  >;
  /**
   * The checkpoint's fingerprint. For a file DuckDB reads directly it is computed on demand, so the
   * hashing runs while DuckDB inserts instead of before.
   */
  readonly fingerprint: () => Promise<string>;
  readonly bytes: number;
}

/** An item with nothing new, one that is not a flow log, reference data, or one rejected whole. */
export type NotReady =
  | { readonly kind: 'unchanged'; readonly item: SourceItem }
  | {
      readonly kind: 'reference';
      readonly item: SourceItem;
      readonly ref: ReferenceKind;
      readonly content: Content;
      readonly checkpoint: Checkpoint;
    }
  | { readonly kind: 'skipped'; readonly item: SourceItem; readonly reason: string }
  | {
      readonly kind: 'rejected';
      readonly item: SourceItem;
      readonly error: ErrorRow;
      readonly checkpoint: Checkpoint;
    };

/**
 * A complete records blob up to this size is read by DuckDB directly; a larger one is copied into
 * parts (see frame.ts), since DuckDB holds a whole file in memory while it reads it.
 */
const DIRECT_MAX_BYTES = 8 << 20;

/** What the ingest passes to every preparation. */
export interface PrepareOptions {
  readonly tempDir: string;
  /** Frame in Node and check every record (after DuckDB could not read the item typed). */
  readonly forceNode?: boolean;
  readonly forceKind?: ReferenceKind | 'flow-logs';
  readonly inflate?: InflateLimits;
}

/**
 * Decides how to read one item. Whole, complete records blobs take the fast path (DuckDB reads the
 * file itself, Node reads 128 KiB); larger ones are copied into parts as they are; everything else
 * is framed and checked in Node: object streams, grown blobs (only the new bytes), truncated blobs
 * and anything DuckDB could not read typed. Gzip files are inflated into a temporary file first.
 */
export async function prepare(
  item: SourceItem,
  cp: Checkpoint | undefined,
  options: PrepareOptions,
): Promise<Prepared | NotReady> {
  const { tempDir, forceNode = false, forceKind } = options;
  if (!forceNode && cp && cp.size === item.size && cp.mtimeMs === item.mtimeMs)
    return { kind: 'unchanged', item };
  const grown = await grownFromBlocks(item, cp, options);
  if (grown) return grown;
  let content: Content;
  try {
    content = await openContent(item, tempDir, options.inflate);
  } catch (err) {
    if (!(err instanceof InflateLimitError)) throw err;
    return rejectedUnread(item, err.message);
  }
  try {
    const result = await prepareContent(item, cp, content, tempDir, forceNode, forceKind);
    // What is not read by a batch is settled from its checkpoint and errors, or from the content
    // (a reference file), which then disposes of it.
    if (result.kind === 'skipped' || result.kind === 'rejected') await content.dispose();
    return result;
  } catch (err) {
    await content.dispose();
    throw err;
  }
}

async function prepareContent(
  item: SourceItem,
  cp: Checkpoint | undefined,
  content: Content,
  tempDir: string,
  forceNode: boolean,
  forceKind: ReferenceKind | 'flow-logs' | undefined,
): Promise<Prepared | NotReady> {
  const headBytes = await content.read(0, HEAD_BYTES);
  if (forceKind && forceKind !== 'flow-logs') return reference(item, content, forceKind);
  let head = headBytes.toString('utf8');
  let det = detect(head);
  if (!det.ok && content.length > HEAD_BYTES) {
    head = (await content.read(0, FULL_HEAD_BYTES)).toString('utf8');
    det = detect(head);
  }
  if (!det.ok && forceKind !== 'flow-logs') {
    // Reference data (topology, service tags, threat intel, DNS logs, a MaxMind database) comes
    // through the same ingest, recognised by content too.
    const tail = await content.read(Math.max(0, content.length - TAIL_BYTES), content.length);
    const ref = detectReference(headBytes, tail);
    if (ref) return reference(item, content, ref);
  }
  if (!det.ok) {
    // Found by walking a tree and well-formed JSON of another kind, or a text or CSV file that is
    // no indicator list: not ours to reject. Named explicitly, or a .json that is not JSON at all:
    // an error the user should see.
    if (!item.explicit && (det.reason.startsWith('JSON, but') || /\.(txt|csv|mmdb)(\.gz)?$/i.test(item.uri)))
      return { kind: 'skipped', item, reason: det.reason };
    return rejected(item, content, det.reason, head);
  }
  const errors: ErrorRow[] = [];
  if (content.damage) errors.push(fileError(item, det.format.name, content.damage, null));

  let from = 0;
  let recBase = 0;
  let mode: Prepared['mode'] = cp ? 'changed' : 'new';
  if (cp && cp.consumedOffset > 0 && cp.consumedOffset <= content.length) {
    if ((await fingerprint(content, cp.consumedOffset)) === cp.fingerprint) {
      mode = 'grown';
      from = cp.consumedOffset;
      recBase = cp.recordsConsumed;
    }
  }

  let complete = false;
  if (!forceNode && mode !== 'grown' && det.framing === 'records') {
    const tailStart = Math.max(0, content.length - TAIL_BYTES);
    const end = closingBracket(await content.read(tailStart, content.length), tailStart, 'records');
    complete = end > 0;
    if (complete && content.directPath && content.length <= DIRECT_MAX_BYTES) {
      // The batch may wait a while before it runs: keep no bytes in memory meanwhile.
      content.release();
      return {
        kind: 'ready',
        item,
        format: det.format,
        mode,
        parts: [{ path: content.directPath, recBase: 0, bytes: content.length }],
        unchecked: true,
        recBase: 0,
        records: null,
        content,
        errors,
        checkpoint: checkpointOf(item, det.format, end, -1),
        fingerprint: () => fingerprint(content, end),
        bytes: content.length,
      };
    }
  }
  return framed(item, det.format, det.framing, content, from, recBase, mode, errors, tempDir, complete);
}

/**
 * A grown blob whose checkpointed prefix is unchanged by its store's own account (the committed
 * block list): its format is the checkpoint's, and only the bytes after the checkpoint are
 * fetched, in one ranged read. Azure appends a block by committing a longer block list, with the
 * record blocks before the `]}` block, so the new bytes are `,{record}...]}`. Null when this
 * does not apply; the item then takes the usual path.
 */
async function grownFromBlocks(
  item: SourceItem,
  cp: Checkpoint | undefined,
  options: PrepareOptions,
): Promise<Prepared | NotReady | null> {
  if (!item.prefixFingerprint || !cp?.format || options.forceNode) return null;
  if (options.forceKind && options.forceKind !== 'flow-logs') return null;
  if (cp.consumedOffset <= 0 || cp.consumedOffset > item.size) return null;
  const format = Object.values(formats).find((f) => f.name === cp.format);
  if (!format || (await item.prefixFingerprint(cp.consumedOffset)) !== cp.fingerprint) return null;
  const content = lazyContent(item);
  const rest = await content.read(cp.consumedOffset, item.size);
  if (!/\]\s*\}\s*$/.test(rest.subarray(-64).toString('latin1'))) return null;
  return framed(
    item,
    format,
    'records',
    content,
    cp.consumedOffset,
    cp.recordsConsumed,
    'grown',
    [],
    options.tempDir,
    false,
  );
}

/** An item framed in Node (see frame.ts): raw parts for a large complete blob, else checked records. */
async function framed(
  item: SourceItem,
  format: FlowFormat,
  framing: Framing,
  content: Content,
  from: number,
  recBase: number,
  mode: Prepared['mode'],
  errors: ErrorRow[],
  tempDir: string,
  raw: boolean,
): Promise<Prepared | NotReady> {
  const f = await frameInNode({
    item,
    format,
    framing,
    content,
    from,
    recBase,
    mode: raw ? 'raw' : 'salvage',
    tempDir,
  });
  if ('badStart' in f)
    return rejected(
      item,
      content,
      `expected ${framing === 'records' ? '{"records":[' : '['} at the start`,
      f.badStart,
    );
  const fp = await fingerprint(content, f.consumed);
  content.release();
  return {
    kind: 'ready',
    item,
    format,
    mode,
    parts: f.parts,
    unchecked: raw,
    recBase,
    records: f.records,
    content,
    errors: [...errors, ...f.errors],
    checkpoint: checkpointOf(item, format, f.consumed, recBase + f.records.sourceCount),
    fingerprint: () => Promise.resolve(fp),
    bytes: f.bytes,
  };
}

function checkpointOf(
  item: SourceItem,
  format: FlowFormat,
  consumed: number,
  records: number,
): Prepared['checkpoint'] {
  return {
    uri: item.uri,
    format: format.name,
    size: item.size,
    mtimeMs: item.mtimeMs,
    consumedOffset: consumed,
    recordsConsumed: records,
  };
}

function fileError(item: SourceItem, format: string | null, reason: string, raw: string | null): ErrorRow {
  return {
    SourceUri: item.uri,
    Format: format,
    Level: 'file',
    ByteOffset: 0,
    RecordIndex: null,
    TupleIndex: null,
    Reason: reason,
    RawText: raw === null ? null : cutRaw(raw),
  };
}

async function reference(item: SourceItem, content: Content, ref: ReferenceKind): Promise<NotReady> {
  const checkpoint: Checkpoint = {
    uri: item.uri,
    format: `ref:${ref}`,
    size: item.size,
    mtimeMs: item.mtimeMs,
    consumedOffset: content.length,
    recordsConsumed: 0,
    fingerprint: await fingerprint(content, content.length),
    tuplesRead: 0,
    tuplesStored: 0,
    tuplesRejected: 0,
    duplicatesSkipped: 0,
  };
  return { kind: 'reference', item, ref, content, checkpoint };
}

/** A file rejected before its content could be read (a gzip bomb): reported once, like any rejected file. */
function rejectedUnread(item: SourceItem, reason: string): NotReady {
  return {
    kind: 'rejected',
    item,
    error: fileError(item, null, reason, null),
    checkpoint: rejectedCheckpoint(item, ''),
  };
}

async function rejected(item: SourceItem, content: Content, reason: string, head: string): Promise<NotReady> {
  // Checkpointing a rejected file means an unchanged bad file is reported once, not on every run.
  const checkpoint = rejectedCheckpoint(item, await fingerprint(content, Math.min(content.length, 1)));
  return { kind: 'rejected', item, error: fileError(item, null, reason, head.slice(0, 200)), checkpoint };
}

/** Deletes what preparing an item wrote: its part files and a gzip file's inflated copy. */
export async function disposePrepared(p: Prepared | NotReady): Promise<void> {
  if (p.kind === 'ready' && p.records)
    await Promise.all(p.parts.map((part) => rm(part.path, { force: true })));
  if (p.kind === 'ready' || p.kind === 'reference') await p.content.dispose();
}

function rejectedCheckpoint(item: SourceItem, fp: string): Checkpoint {
  return {
    uri: item.uri,
    format: null,
    size: item.size,
    mtimeMs: item.mtimeMs,
    consumedOffset: 0,
    recordsConsumed: 0,
    fingerprint: fp,
    tuplesRead: 0,
    tuplesStored: 0,
    tuplesRejected: 0,
    duplicatesSkipped: 0,
  };
}
