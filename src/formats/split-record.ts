import { BACKSLASH, COLON, COMMA, isSpace, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET } from './framing.js';

/**
 * Where one tuple list sits in a record's bytes: its brackets and the commas between its elements
 * (element e runs from after comma e-1, or the `[`, to comma e, or the `]`). Commas only, not
 * element ranges: a 1 GB blob has 14M tuples, and one number each kept splitting at scan speed.
 */
interface TupleList {
  readonly open: number;
  close: number;
  readonly commas: number[];
  /** Element count: commas + 1, or 0 for an empty list. */
  size: number;
}

/** Byte range of elements [first, last) of a list, with the commas between them. */
function elements(list: TupleList, first: number, last: number): [number, number] {
  return [
    first === 0 ? list.open + 1 : list.commas[first - 1] + 1,
    last === list.size ? list.close : list.commas[last - 1],
  ];
}

/**
 * Splits the bytes of one giant record (a busy NIC's minute: hundreds of thousands of tuples) into
 * records of about `maxBytes` of tuples each, without parsing it: every piece is the record's
 * bytes with each list under `tuplesKey` cut down to the piece's share of the tuples (empty lists
 * elsewhere; an empty group yields no rows), in tuple order. Returns the pieces and each one's
 * tuple count, or null when the record has no such list to cut. DuckDB reads pieces of a few MB
 * comfortably, where one 37 MB record ran out of its memory; parsing the record in Node instead
 * took several times its size in heap. Valid JSON in, valid JSON out; invalid JSON stays invalid
 * and is then read by the checked path.
 */
export function splitRecordBytes(
  rec: Buffer,
  tuplesKey: string,
  maxBytes: number,
): { pieces: Buffer[]; tuples: number[] } | null {
  const lists = tupleLists(rec, Buffer.from(JSON.stringify(tuplesKey)));
  if (lists.length === 0) return null;
  const pieces: Buffer[] = [];
  const tuples: number[] = [];
  // The tuples of a piece: [from, to) in the sequence of (list, element) pairs.
  let fromList = 0;
  let fromElem = 0;
  let size = 0;
  let count = 0;
  const cut = (toList: number, toElem: number): void => {
    pieces.push(assemble(rec, lists, fromList, fromElem, toList, toElem));
    tuples.push(count);
    fromList = toList;
    fromElem = toElem;
    size = 0;
    count = 0;
  };
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l];
    for (let e = 0; e < list.size; e++) {
      if (size >= maxBytes) cut(l, e);
      const [a, b] = elements(list, e, e + 1);
      size += b - a + 1;
      count++;
    }
  }
  cut(lists.length, 0);
  return { pieces, tuples };
}

/** The record with only the tuples in [(fromList, fromElem), (toList, toElem)) kept. */
function assemble(
  rec: Buffer,
  lists: readonly TupleList[],
  fromList: number,
  fromElem: number,
  toList: number,
  toElem: number,
): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (let l = 0; l < lists.length; l++) {
    const list = lists[l];
    out.push(rec.subarray(at, list.open + 1));
    const first = l < fromList ? list.size : l === fromList ? fromElem : 0;
    const last = l > toList ? 0 : l === toList ? toElem : list.size;
    // The elements of one list in a piece stand together in the record, commas and all: one slice.
    if (first < last) out.push(rec.subarray(...elements(list, first, last)));
    at = list.close;
  }
  out.push(rec.subarray(at));
  return Buffer.concat(out);
}

/** Finds every array that is the value of the key `keyBytes` (a JSON string), outside other such arrays. */
function tupleLists(rec: Buffer, keyBytes: Buffer): TupleList[] {
  const lists: TupleList[] = [];
  let depth = 0;
  let list: TupleList | null = null;
  let listDepth = 0;
  // The last string token, while nothing else has come after it (a key is a string then a colon).
  let strStart = -1;
  let strEnd = -1;
  let pendingKey = false;
  for (let i = 0; i < rec.length; i++) {
    const b = rec[i];
    if (b === QUOTE) {
      const start = i;
      for (i++; i < rec.length && rec[i] !== QUOTE; i++) if (rec[i] === BACKSLASH) i++;
      if (list && depth === listDepth) list.size = Math.max(list.size, 1);
      strStart = start;
      strEnd = i + 1;
      continue;
    }
    if (isSpace(b)) continue;
    if (b === COLON) {
      pendingKey =
        !list && strEnd - strStart === keyBytes.length && rec.subarray(strStart, strEnd).equals(keyBytes);
      strStart = -1;
      continue;
    }
    const key = pendingKey;
    pendingKey = false;
    strStart = -1;
    if (list && depth === listDepth) {
      if (b === COMMA) {
        list.commas.push(i);
        list.size = list.commas.length + 1;
        continue;
      }
      if (b === RBRACKET || b === RBRACE) {
        list.close = i;
        lists.push(list);
        list = null;
        depth--;
        continue;
      }
      list.size = Math.max(list.size, 1);
    }
    if (b === LBRACKET || b === LBRACE) {
      depth++;
      if (key && b === LBRACKET) {
        list = { open: i, close: -1, commas: [], size: 0 };
        listDepth = depth;
      }
    } else if (b === RBRACKET || b === RBRACE) depth--;
  }
  return lists;
}
