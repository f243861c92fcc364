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

const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * Finds the end of the JSON object starting at `start` (a `{`), honouring strings and escapes.
 * Returns the index after its closing brace, or -1 when the buffer ends first. This is a framing
 * scan, not a validation: a balanced but invalid object is caught when it is parsed.
 */
export function objectEnd(buf: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < buf.length; i++) {
    const b = buf[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === LBRACE || b === LBRACKET) depth++;
    else if (b === RBRACE || b === RBRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Splits buf[from..] into top-level objects. In an array body (records/array framing) commas
 * separate pieces and `]` closes the body; in a stream, whitespace separates them.
 */
export function splitPieces(buf: Buffer, from: number, inArray: boolean): Split {
  const pieces: Piece[] = [];
  const junk: Junk[] = [];
  let consumedEnd = from;
  let i = from;
  while (i < buf.length) {
    const b = buf[i];
    if (isSpace(b) || (inArray && b === COMMA)) {
      i++;
      continue;
    }
    if (inArray && b === RBRACKET) return { pieces, junk, consumedEnd, closed: true };
    if (b === LBRACE) {
      const end = objectEnd(buf, i);
      if (end < 0) {
        junk.push({ start: i, end: buf.length, reason: 'truncated: the input ends inside this object' });
        return { pieces, junk, consumedEnd, closed: false };
      }
      pieces.push({ start: i, end });
      consumedEnd = end;
      i = end;
      continue;
    }
    // Anything else is not an object: report it and resynchronise at the next line or object.
    let j = i + 1;
    while (j < buf.length && buf[j] !== LBRACE && buf[j] !== NEWLINE) j++;
    junk.push({ start: i, end: j, reason: 'not a JSON object' });
    consumedEnd = j;
    i = j;
  }
  return { pieces, junk, consumedEnd, closed: false };
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
