import { bodyStart, splitPieces, type Piece } from '../formats/framing.js';
import type { Prepared } from './prepare.js';

/** A rejection found by SQL, before its byte offset is known. */
export interface SqlError {
  readonly itemId: number;
  readonly recIdx: number;
  readonly tupIdx: number | null;
  readonly reason: string;
  readonly raw: string | null;
}

/**
 * Byte offsets for rejections found in SQL. Only batches with errors pay for this: the file is
 * framed in Node to find its records, and each bad tuple is searched for (as JSON text) inside its
 * record, moving forward so a record with many bad tuples is scanned once.
 */
export async function locateErrors(p: Prepared, errors: readonly SqlError[]): Promise<(number | null)[]> {
  const pieces = p.pieces ?? (await framePieces(p));
  const out: (number | null)[] = [];
  let lastRec = -1;
  let cursor = 0;
  let text: Buffer | null = null;
  let piece: Piece | undefined;
  for (const e of errors) {
    if (e.recIdx !== lastRec) {
      lastRec = e.recIdx;
      piece = pieces[e.recIdx - p.recBase];
      text = piece ? await p.content.read(piece.start, piece.end) : null;
      cursor = 0;
    }
    if (!piece || !text) {
      out.push(null);
      continue;
    }
    if (e.tupIdx === null || e.raw === null) {
      out.push(piece.start);
      continue;
    }
    const needle = JSON.stringify(e.raw).slice(0, -1);
    const at = text.indexOf(needle, cursor);
    if (at >= 0) cursor = at + needle.length;
    out.push(at >= 0 ? piece.start + at : piece.start);
  }
  return out;
}

async function framePieces(p: Prepared): Promise<Piece[]> {
  const buf = await p.content.read(0, p.content.length);
  const start = bodyStart(buf, 'records');
  return start < 0 ? [] : splitPieces(buf, start, true).pieces;
}
