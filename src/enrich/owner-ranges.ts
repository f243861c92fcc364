import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ipv4ToNumber } from './ip.js';

/**
 * The bundled network-owner ranges (Route Views / DB-IP, from @ip-location-db/asn, CC BY 4.0) as
 * `npm run build` writes them (scripts/build-data.mjs): disjoint IPv4 ranges sorted by start, so an
 * address's owner is one binary search away. A build looks up only the public addresses it has not
 * seen before, a handful to thousands: in Node that takes microseconds each, where the range join in
 * DuckDB it replaces read all 412k ranges from a Parquet file on every build (80-110 ms).
 *
 * Layout, little-endian: the magic (8 bytes), the range count N and owner count M (uint32 each),
 * then N starts, N ends, N owner indexes and M + 1 offsets into the owner text (uint32 each), then
 * the owner names as UTF-8.
 */
const MAGIC = 'VNFOWN01';

/** One owner range, inclusive at both ends, as IPv4 numbers. */
export interface OwnerRange {
  readonly start: number;
  readonly end: number;
  readonly owner: string;
}

/**
 * The file's bytes for ranges in any order. Where ranges overlap, the overlap goes to the owner
 * that sorts first, so the answer never depends on the source's order.
 */
export function encodeOwnerRanges(ranges: readonly OwnerRange[]): Buffer {
  const cuts = disjoint(ranges);
  const names = [...new Set(cuts.map((c) => c.owner))];
  const index = new Map(names.map((n, i) => [n, i]));
  const text = Buffer.from(names.join(''), 'utf8');
  const words = new Uint32Array(2 + cuts.length * 3 + names.length + 1);
  words[0] = cuts.length;
  words[1] = names.length;
  cuts.forEach((c, i) => {
    words[2 + i] = c.start;
    words[2 + cuts.length + i] = c.end;
    words[2 + 2 * cuts.length + i] = index.get(c.owner) ?? 0;
  });
  let offset = 0;
  names.forEach((n, i) => {
    words[2 + 3 * cuts.length + i] = offset;
    offset += Buffer.byteLength(n, 'utf8');
  });
  words[2 + 3 * cuts.length + names.length] = offset;
  return Buffer.concat([Buffer.from(MAGIC, 'latin1'), Buffer.from(words.buffer), text]);
}

/** Splits overlapping ranges into disjoint ones: a sweep over every start and end. */
function disjoint(ranges: readonly OwnerRange[]): OwnerRange[] {
  const events: [number, number, string][] = [];
  for (const r of ranges) {
    if (!(r.start <= r.end)) continue;
    events.push([r.start, 1, r.owner], [r.end + 1, -1, r.owner]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const active = new Map<string, number>();
  const out: OwnerRange[] = [];
  for (let i = 0; i < events.length;) {
    const at = events[i][0];
    for (; i < events.length && events[i][0] === at; i++) {
      const [, d, owner] = events[i];
      const n = (active.get(owner) ?? 0) + d;
      if (n === 0) active.delete(owner);
      else active.set(owner, n);
    }
    if (active.size === 0 || i === events.length) continue;
    // The least name in UTF-8 byte order, as SQL's min() picks it.
    const owner = [...active.keys()].reduce((a, b) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? a : b,
    );
    const end = events[i][0] - 1;
    const last = out.at(-1);
    if (last && last.owner === owner && last.end + 1 === at) out[out.length - 1] = { ...last, end };
    else out.push({ start: at, end, owner });
  }
  return out;
}

/** Looks addresses up in an encoded file; null for an address no range holds, or not IPv4. */
export function ownerRangesReader(bytes: Buffer): (ip: string) => string | null {
  if (bytes.subarray(0, 8).toString('latin1') !== MAGIC) throw new Error('not a vnetflow owner-ranges file');
  // Copied once into an aligned buffer: Uint32Array views need 4-byte alignment.
  const body = new Uint8Array(bytes.length - 8);
  body.set(bytes.subarray(8));
  const head = new Uint32Array(body.buffer, 0, 2);
  const [n, m] = [head[0], head[1]];
  const words = new Uint32Array(body.buffer, 8, n * 3 + m + 1);
  const starts = words.subarray(0, n);
  const ends = words.subarray(n, 2 * n);
  const owners = words.subarray(2 * n, 3 * n);
  const offsets = words.subarray(3 * n);
  const text = body.subarray(8 + words.byteLength);
  const decoder = new TextDecoder();
  const names = new Map<number, string>();
  return (ip) => {
    const x = ipv4ToNumber(ip);
    if (x === null) return null;
    // The last range starting at or before x.
    let lo = 0;
    let hi = n - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= x) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0 || x > ends[at]) return null;
    const k = owners[at];
    let name = names.get(k);
    if (name === undefined) {
      name = decoder.decode(text.subarray(offsets[k], offsets[k + 1]));
      names.set(k, name);
    }
    return name;
  };
}

/** Where `npm run build` writes the bundled ranges. */
export function defaultOwnerRangesPath(): string {
  return fileURLToPath(new URL('../../data/asn-ipv4.owners', import.meta.url));
}

let bundled: ((ip: string) => string | null) | undefined;

/** The owner of an address from the bundled ranges (read once per process). */
export function bundledOwner(ip: string): string | null {
  if (!bundled) {
    const path = defaultOwnerRangesPath();
    if (!existsSync(path)) throw new Error(`${path} is missing: run npm run build`);
    bundled = ownerRangesReader(readFileSync(path));
  }
  return bundled(ip);
}
