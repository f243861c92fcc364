/**
 * Framing: how a file holds its records, independent of what the records are.
 * - `records`: the Azure blob shape `{"records":[{...},{...}]}` (VNet v4 and NSG flow logs).
 * - `array`:   a top-level JSON array of objects.
 * - `stream`:  objects one after another: NDJSON, or pretty-printed objects concatenated (seed 002).
 */
export type Framing = 'records' | 'array' | 'stream';

/** A byte range [start, end) of one top-level record or object. */
export interface Piece {
  readonly start: number;
  readonly end: number;
}

/** Bytes that could not be framed as an object: reported to IngestErrors, never dropped silently. */
export interface Junk {
  readonly start: number;
  readonly end: number;
  readonly reason: string;
}

/** The result of splitting a buffer into record pieces. */
export interface Split {
  readonly pieces: Piece[];
  readonly junk: Junk[];
  /** End of the last complete piece: a later read of a growing file resumes here. */
  readonly consumedEnd: number;
  /** True when the closing `]` of the records array was seen. */
  readonly closed: boolean;
}

const RECORDS_HEAD = /^\s*\{\s*"records"\s*:\s*\[/;
const ARRAY_HEAD = /^\s*\[/;

/** Where the first record may start, given the framing, or -1 when the head does not fit it. */
export function bodyStart(buf: Buffer, framing: Framing): number {
  if (framing === 'stream') return 0;
  const head = buf.subarray(0, 256).toString('latin1');
  const m = (framing === 'records' ? RECORDS_HEAD : ARRAY_HEAD).exec(head);
  return m ? m[0].length : -1;
}

/** The JSON bytes the framing scans look at. */
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;
export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
const NEWLINE = 0x0a;

/** JSON whitespace. */
export function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Splits bytes into top-level objects as they arrive, window by window, so a file of any size is
 * framed without holding more than one window. In an array body (records/array framing) commas
 * separate pieces and `]` closes the body; in a stream, whitespace separates them. Anything else
 * is junk up to the next line or object. This is a framing scan, not a validation: a balanced but
 * invalid object is caught when it is parsed. Depth is a counter, so no nesting can exhaust a stack.
 */
export class PieceScanner {
  readonly pieces: Piece[] = [];
  readonly junk: Junk[] = [];
  /** End of the last complete piece or junk run: a later read of a growing file resumes here. */
  consumedEnd: number;
  closed = false;
  private mode: 'between' | 'object' | 'junk' = 'between';
  private start = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(
    private readonly inArray: boolean,
    from: number,
  ) {
    this.consumedEnd = from;
  }

  /**
   * Scans buf[from..], whose byte 0 is at absolute offset `base`. Completed pieces and junk are
   * appended to `pieces` and `junk` (a caller may empty them between feeds). Returns false once
   * the array body closed: nothing after that is read.
   */
  feed(buf: Buffer, base: number, from = 0): boolean {
    let i = from;
    const n = buf.length;
    while (i < n && !this.closed) {
      if (this.mode === 'object') i = this.scanObject(buf, base, i);
      else if (this.mode === 'junk') {
        while (i < n && buf[i] !== LBRACE && buf[i] !== NEWLINE) i++;
        if (i < n) this.endJunk(base + i);
      } else {
        const b = buf[i];
        if (isSpace(b) || (this.inArray && b === COMMA)) i++;
        else if (this.inArray && b === RBRACKET) this.closed = true;
        else {
          this.start = base + i;
          if (b === LBRACE) {
            this.mode = 'object';
            this.depth = 0;
            this.inString = false;
            this.escaped = false;
          } else {
            this.mode = 'junk';
            i++;
          }
        }
      }
    }
    return !this.closed;
  }

  /** The input ended at absolute offset `end`: an open object is truncated, open junk ends here. */
  finish(end: number): void {
    if (this.closed) return;
    if (this.mode === 'object')
      this.junk.push({ start: this.start, end, reason: 'truncated: the input ends inside this object' });
    else if (this.mode === 'junk') this.endJunk(end);
    this.mode = 'between';
  }

  private endJunk(end: number): void {
    this.junk.push({ start: this.start, end, reason: 'not a JSON object' });
    this.consumedEnd = end;
    this.mode = 'between';
  }

  private scanObject(buf: Buffer, base: number, from: number): number {
    let { depth, inString, escaped } = this;
    const n = buf.length;
    let i = from;
    for (; i < n; i++) {
      const b = buf[i];
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === LBRACE || b === LBRACKET) depth++;
      else if (b === RBRACE || b === RBRACKET) {
        depth--;
        if (depth === 0) {
          const end = base + i + 1;
          this.pieces.push({ start: this.start, end });
          this.consumedEnd = end;
          this.mode = 'between';
          return i + 1;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return i;
  }
}

/** Splits buf[from..] into top-level objects (see PieceScanner), all of it at once. */
export function splitPieces(buf: Buffer, from: number, inArray: boolean): Split {
  const scanner = new PieceScanner(inArray, from);
  scanner.feed(buf, 0, from);
  scanner.finish(buf.length);
  return {
    pieces: scanner.pieces,
    junk: scanner.junk,
    consumedEnd: scanner.consumedEnd,
    closed: scanner.closed,
  };
}

/**
 * For a complete records/array blob: the offset of the closing `]` (records end there), or -1 when
 * the tail is not the expected `]` or `]}`. Reading only the tail keeps the fast path byte-free.
 */
export function closingBracket(tail: Buffer, tailStart: number, framing: Framing): number {
  let i = tail.length - 1;
  while (i >= 0 && isSpace(tail[i])) i--;
  if (framing === 'records') {
    if (i < 0 || tail[i] !== RBRACE) return -1;
    i--;
    while (i >= 0 && isSpace(tail[i])) i--;
  }
  return i >= 0 && tail[i] === RBRACKET ? tailStart + i : -1;
}
