import { bodyStart, splitPieces, type Piece } from '../formats/framing.js';
import type { Prepared } from './prepare.js';

/** A rejection found by SQL, before its byte offset is known. */
export interface SqlError {
  readonly itemId: number;
  /** The framed record (see FramedRecords) and the tuple's index within it. */
  readonly recIdx: number;
  readonly tupIdx: number | null;
  readonly reason: string;
  readonly raw: string | null;
}

/** Where a rejection is in the source: byte offset, record index and tuple index within the record. */
export interface Located {
  readonly offset: number | null;
  readonly recIdx: number;
  readonly tupIdx: number | null;
}

/**
 * Source positions for rejections found in SQL. Only batches with errors pay for this: a direct
 * file is framed in Node to find its records, and each bad tuple is searched for (as JSON text)
 * inside its record, moving forward so a record with many bad tuples is scanned once. A record
 * that was split into pieces maps back to its source record and tuple index.
 */
export async function locateErrors(p: Prepared, errors: readonly SqlError[]): Promise<Located[]> {
  const direct = p.records ? null : await framePieces(p);
  const pieceOf = (i: number): Piece | undefined => {
    if (direct) return direct[i];
    const r = p.records;
    return r && i < r.length ? { start: r.start(i), end: r.end(i) } : undefined;
  };
  const out: Located[] = [];
  let lastPiece: Piece | undefined;
  let cursor = 0;
  let text: Buffer | null = null;
  for (const e of errors) {
    const piece = pieceOf(e.recIdx);
    const recIdx = p.recBase + (p.records ? p.records.source(e.recIdx) : e.recIdx);
    const tupIdx = e.tupIdx === null ? null : e.tupIdx + (p.records ? p.records.tupleBase(e.recIdx) : 0);
    if (piece?.start !== lastPiece?.start) {
      text = piece ? await p.content.read(piece.start, piece.end) : null;
      cursor = 0;
    }
    lastPiece = piece;
    if (!piece || !text) {
      out.push({ offset: null, recIdx, tupIdx });
      continue;
    }
    if (e.tupIdx === null || e.raw === null) {
      out.push({ offset: piece.start, recIdx, tupIdx });
      continue;
    }
    const needle = JSON.stringify(e.raw).slice(0, -1);
    const at = text.indexOf(needle, cursor);
    if (at >= 0) cursor = at + needle.length;
    out.push({ offset: at >= 0 ? piece.start + at : piece.start, recIdx, tupIdx });
  }
  return out;
}

async function framePieces(p: Prepared): Promise<Piece[]> {
  const buf = await p.content.read(0, p.content.length);
  const start = bodyStart(buf, 'records');
  return start < 0 ? [] : splitPieces(buf, start, true).pieces;
}
