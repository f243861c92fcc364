import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowFormat } from '../formats/format.js';
import { bodyStart, closingBracket, splitPieces, type Piece } from '../formats/framing.js';
import { detect } from '../formats/registry.js';
import { detectReference, type ReferenceKind } from '../enrich/reference.js';
import type { SourceItem } from '../sources/source.js';
import type { Checkpoint } from './checkpoint.js';
import { fingerprint, openContent, type Content } from './content.js';
import { cutRaw, type ErrorRow } from './errors.js';

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
  /** The file DuckDB reads: the source itself (fast path) or a temp file in records framing. */
  readonly readPath: string;
  readonly direct: boolean;
  readonly recBase: number;
  /** Byte ranges of the records in readPath order, when framed in Node (else located on demand). */
  readonly pieces: readonly Piece[] | null;
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
 * Decides how to read one item. Whole, complete records blobs take the fast path (DuckDB reads the
 * file itself, Node reads 128 KiB); everything else is framed in Node: object streams, gzip, grown
 * blobs (only the new bytes) and anything DuckDB could not read typed.
 */
export async function prepare(
  item: SourceItem,
  cp: Checkpoint | undefined,
  tempDir: string,
  forceNode = false,
  forceKind?: ReferenceKind | 'flow-logs',
): Promise<Prepared | NotReady> {
  if (!forceNode && cp && cp.size === item.size && cp.mtimeMs === item.mtimeMs)
    return { kind: 'unchanged', item };
  const content = await openContent(item);
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

  if (!forceNode && mode !== 'grown' && det.framing === 'records' && content.directPath) {
    const tailStart = Math.max(0, content.length - TAIL_BYTES);
    const end = closingBracket(await content.read(tailStart, content.length), tailStart, 'records');
    if (end > 0) {
      // The batch may wait a while before it runs: keep no bytes in memory meanwhile.
      content.release();
      return {
        kind: 'ready',
        item,
        format: det.format,
        mode,
        readPath: content.directPath,
        direct: true,
        recBase: 0,
        pieces: null,
        content,
        errors,
        checkpoint: checkpointOf(item, det.format, end, -1),
        fingerprint: () => fingerprint(content, end),
        bytes: content.length,
      };
    }
  }
  return frameInNode(item, det.format, det.framing, content, from, recBase, mode, errors, tempDir);
}

async function frameInNode(
  item: SourceItem,
  format: FlowFormat,
  framing: 'records' | 'array' | 'stream',
  content: Content,
  from: number,
  recBase: number,
  mode: Prepared['mode'],
  errors: ErrorRow[],
  tempDir: string,
): Promise<Prepared | NotReady> {
  const buf = await content.read(from, content.length);
  const start = from === 0 ? bodyStart(buf, framing) : 0;
  if (start < 0)
    return rejected(
      item,
      content,
      `expected ${framing === 'records' ? '{"records":[' : '['} at the start`,
      buf.toString('utf8', 0, 200),
    );
  const split = splitPieces(buf, start, framing !== 'stream');
  const records: string[] = [];
  const pieces: Piece[] = [];
  split.pieces.forEach((p, i) => {
    const abs: Piece = { start: from + p.start, end: from + p.end };
    pieces.push(abs);
    const text = buf.toString('utf8', p.start, p.end);
    const where = {
      SourceUri: item.uri,
      Format: format.name,
      ByteOffset: abs.start,
      RecordIndex: recBase + i,
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      errors.push({
        ...where,
        Level: 'record',
        TupleIndex: null,
        Reason: `invalid JSON: ${(err as Error).message}`,
        RawText: cutRaw(text),
      });
      records.push('null');
      return;
    }
    const { record, problems } = format.salvage(parsed);
    for (const pr of problems)
      errors.push({
        ...where,
        Level: pr.tupleIndex === null ? 'record' : 'tuple',
        TupleIndex: pr.tupleIndex,
        Reason: pr.reason,
        RawText: cutRaw(pr.raw),
      });
    records.push(JSON.stringify(record));
  });
  for (const j of split.junk) {
    errors.push({
      SourceUri: item.uri,
      Format: format.name,
      Level: 'record',
      ByteOffset: from + j.start,
      RecordIndex: null,
      TupleIndex: null,
      Reason: j.reason,
      RawText: cutRaw(buf.toString('utf8', j.start, Math.min(j.end, j.start + 4096))),
    });
  }
  const readPath = join(tempDir, `${encodeURIComponent(item.uri).slice(-120)}-${from}.json`);
  await writeFile(readPath, `{"records":[${records.join(',')}]}`);
  const consumed = from + split.consumedEnd;
  const fp = await fingerprint(content, consumed);
  content.release();
  return {
    kind: 'ready',
    item,
    format,
    mode,
    readPath,
    direct: false,
    recBase,
    pieces,
    content,
    errors,
    checkpoint: checkpointOf(item, format, consumed, recBase + pieces.length),
    fingerprint: () => Promise.resolve(fp),
    bytes: buf.length,
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

async function rejected(item: SourceItem, content: Content, reason: string, head: string): Promise<NotReady> {
  // Checkpointing a rejected file means an unchanged bad file is reported once, not on every run.
  const checkpoint: Checkpoint = {
    uri: item.uri,
    format: null,
    size: item.size,
    mtimeMs: item.mtimeMs,
    consumedOffset: 0,
    recordsConsumed: 0,
    fingerprint: await fingerprint(content, Math.min(content.length, 1)),
    tuplesRead: 0,
    tuplesStored: 0,
    tuplesRejected: 0,
    duplicatesSkipped: 0,
  };
  return { kind: 'rejected', item, error: fileError(item, null, reason, head.slice(0, 200)), checkpoint };
}
