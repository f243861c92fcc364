import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlowFormat } from '../formats/format.js';
import { bodyStart, PieceScanner, type Framing } from '../formats/framing.js';
import type { SourceItem } from '../sources/source.js';
import type { Content } from './content.js';
import { cutRaw, type ErrorRow } from './errors.js';
import { FramedRecords } from './framed-records.js';
import { splitRecordBytes } from '../formats/split-record.js';

/** One file DuckDB reads for an item, in records framing, with the framed index of its first record. */
export interface Part {
  readonly path: string;
  readonly recBase: number;
  readonly bytes: number;
}

/**
 * The sizes that keep framing and DuckDB's read in bounded memory whatever the input's size.
 * DuckDB holds a whole part while it reads it (a 37 MB one-record blob ran out of its 192 MB), so
 * parts are a few MB; a record above rawRecordBytes is split in its bytes by its tuple lists into
 * records of about chunkBytes (split-record.ts); a record over maxRecordBytes is rejected (Node
 * holds it whole while splitting it, and the checked path parses it: several times its size).
 */
export const FRAME_LIMITS = {
  window: 4 << 20,
  partBytes: 8 << 20,
  rawRecordBytes: 4 << 20,
  chunkBytes: 2 << 20,
  maxRecordBytes: 64 << 20,
};

/** How an item framed in Node is read. */
export interface FrameInput {
  readonly item: SourceItem;
  readonly format: FlowFormat;
  readonly framing: Framing;
  readonly content: Content;
  /** Where to start (a grown blob's checkpoint offset), and the source index of its first record. */
  readonly from: number;
  readonly recBase: number;
  /**
   * raw: records are copied as they are, for DuckDB to read typed (a complete records blob too large
   * to read whole); salvage: each record is parsed and checked here (DuckDB could not read it typed,
   * or the framing needs it).
   */
  readonly mode: 'raw' | 'salvage';
  readonly tempDir: string;
}

/** An item framed in Node: the part files, where each record came from, and what was rejected. */
export interface Framed {
  readonly parts: Part[];
  readonly records: FramedRecords;
  readonly errors: ErrorRow[];
  /** End of the last complete record: the checkpoint offset. */
  readonly consumed: number;
  readonly bytes: number;
}

let partCount = 0;

/**
 * Frames content[from..] window by window: records are found by a streaming scan, each is copied
 * or checked, and parts are written as they fill, so memory stays at a window, a part and one
 * record. Returns a reason instead when the start does not fit the framing.
 */
export async function frameInNode(input: FrameInput): Promise<Framed | { readonly badStart: string }> {
  const { content, from, framing } = input;
  const first = await content.read(from, Math.min(content.length, from + 256));
  const start = from === 0 ? bodyStart(first, framing) : 0;
  if (start < 0) return { badStart: first.toString('utf8', 0, 200) };
  const out = new FrameWriter(input);
  const scanner = new PieceScanner(framing !== 'stream', from + start);
  for (let pos = from + start; pos < content.length; pos += FRAME_LIMITS.window) {
    const end = Math.min(content.length, pos + FRAME_LIMITS.window);
    const window = await content.read(pos, end);
    const open = scanner.feed(window, pos);
    await out.take(scanner, window, pos);
    if (!open) break;
  }
  scanner.finish(content.length);
  await out.take(scanner, Buffer.alloc(0), content.length);
  await out.flush(true);
  return {
    parts: out.parts,
    records: out.records,
    errors: out.errors,
    consumed: scanner.consumedEnd,
    bytes: out.bytes,
  };
}

/** Writes framed records into part files and keeps the record map and the errors. */
class FrameWriter {
  readonly parts: Part[] = [];
  readonly records = new FramedRecords();
  readonly errors: ErrorRow[] = [];
  bytes = 0;
  private pending: (Buffer | string)[] = [];
  private pendingBytes = 0;
  private partBase = 0;

  constructor(private readonly input: FrameInput) {}

  /** Frames the pieces and junk the scanner completed; `window` holds bytes from `windowStart`. */
  async take(scanner: PieceScanner, window: Buffer, windowStart: number): Promise<void> {
    for (const piece of scanner.pieces) {
      const inWindow = piece.start >= windowStart && piece.end <= windowStart + window.length;
      await this.record(piece.start, piece.end, inWindow ? window : null, windowStart);
    }
    for (const j of scanner.junk) {
      const raw = await this.input.content.read(j.start, Math.min(j.end, j.start + 4096));
      this.errors.push(this.error(j.start, null, j.reason, raw.toString('utf8')));
    }
    scanner.pieces.length = 0;
    scanner.junk.length = 0;
  }

  /** Writes the pending records as a part; `last`: even none, if no part was written yet. */
  async flush(last = false): Promise<void> {
    // An item with no complete record still gets one (empty) part: every item of a batch is read.
    if (this.pending.length === 0 && !(last && this.parts.length === 0)) return;
    const path = join(this.input.tempDir, `part-${++partCount}.json`);
    const body = this.pending.map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
    const joined: Buffer[] = [Buffer.from('{"records":[')];
    body.forEach((b, i) => joined.push(...(i > 0 ? [COMMA, b] : [b])));
    joined.push(Buffer.from(']}'));
    const data = Buffer.concat(joined);
    await writeFile(path, data);
    this.parts.push({ path, recBase: this.partBase, bytes: data.length });
    this.partBase = this.records.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private async emit(text: Buffer | string): Promise<void> {
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= FRAME_LIMITS.partBytes) await this.flush();
  }

  private async record(
    start: number,
    end: number,
    window: Buffer | null,
    windowStart: number,
  ): Promise<void> {
    const { content, mode, format } = this.input;
    const size = end - start;
    this.bytes += size;
    const source = this.records.sourceCount;
    if (size > FRAME_LIMITS.maxRecordBytes) {
      const head = await content.read(start, start + 4096);
      const reason = `record of ${mib(size)} is over the ${mib(FRAME_LIMITS.maxRecordBytes)} limit`;
      this.errors.push(this.error(start, source, reason, head.toString('utf8')));
      return this.whole(start, end, 'null');
    }
    const bytes = window
      ? window.subarray(start - windowStart, end - windowStart)
      : await content.read(start, end);
    if (mode === 'raw') {
      // A copy of what lies in the window: its memory is reused for the next window.
      if (size <= FRAME_LIMITS.rawRecordBytes)
        return this.whole(start, end, window ? Buffer.from(bytes) : bytes);
      return this.split(start, end, bytes);
    }
    const text = bytes.toString('utf8');
    const parsed = parseRecord(text);
    if (!parsed.ok) {
      this.errors.push(this.error(start, source, `invalid JSON: ${parsed.message}`, text));
      return this.whole(start, end, 'null');
    }
    const { record, problems } = format.salvage(parsed.value);
    for (const pr of problems)
      this.errors.push({
        ...this.error(start, source, pr.reason, pr.raw),
        Level: pr.tupleIndex === null ? 'record' : 'tuple',
        TupleIndex: pr.tupleIndex,
      });
    const json = JSON.stringify(record);
    if (json.length <= FRAME_LIMITS.rawRecordBytes) return this.whole(start, end, json);
    return this.split(start, end, Buffer.from(json));
  }

  private async whole(start: number, end: number, text: Buffer | string): Promise<void> {
    this.records.add(start, end);
    await this.emit(text);
  }

  /** A giant record, read as pieces of about chunkBytes of tuples each (see split-record.ts). */
  private async split(start: number, end: number, bytes: Buffer): Promise<void> {
    const key = this.input.format.tuplesKey;
    const split = key === null ? null : splitRecordBytes(bytes, key, FRAME_LIMITS.chunkBytes);
    if (!split) return this.whole(start, end, bytes);
    this.records.addSplit(start, end, split.tuples);
    for (const piece of split.pieces) await this.emit(piece);
  }

  private error(offset: number, source: number | null, reason: string, raw: string): ErrorRow {
    return {
      SourceUri: this.input.item.uri,
      Format: this.input.format.name,
      Level: 'record',
      ByteOffset: offset,
      RecordIndex: source === null ? null : this.input.recBase + source,
      TupleIndex: null,
      Reason: reason,
      RawText: cutRaw(raw),
    };
  }
}

const COMMA = Buffer.from(',');

/**
 * JSON.parse, and once more with raw control characters inside strings escaped: JSON forbids
 * them (a NUL byte in one tuple would otherwise reject the whole record with its good tuples),
 * and once escaped the bad tuple is rejected on its own by the tuple checks.
 */
function parseRecord(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // eslint-disable-next-line no-control-regex
    if (!/[\u0000-\u001f]/.test(text)) return { ok: false, message: (err as Error).message };
    try {
      return { ok: true, value: JSON.parse(escapeControls(text)) };
    } catch {
      return { ok: false, message: (err as Error).message };
    }
  }
}

/** Escapes control characters that stand inside JSON strings (outside them they are whitespace or junk). */
function escapeControls(text: string): string {
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      else if (c < 0x20) {
        out += `${text.slice(last, i)}\\u${c.toString(16).padStart(4, '0')}`;
        last = i + 1;
      }
    } else if (c === 0x22) inString = true;
  }
  return out + text.slice(last);
}

function mib(bytes: number): string {
  return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
}
