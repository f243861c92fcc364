/**
 * IPv4 arithmetic for lookups: an address as a number, a CIDR as a closed [start, end] range.
 * Lookups join on these numbers (range tables), never call JavaScript per row.
 */

/** The numeric value of a dotted-quad IPv4 address, or null when it is not one. */
export function ipv4ToNumber(ip: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3];
}

/** An IPv4 address or CIDR as its first and last address; null when it is neither. */
export function ipv4Range(text: string): { start: number; end: number } | null {
  const [addr, bits, extra] = text.trim().split('/');
  if (extra !== undefined) return null;
  const base = ipv4ToNumber(addr);
  if (base === null) return null;
  if (bits === undefined) return { start: base, end: base };
  if (!/^\d{1,2}$/.test(bits) || Number(bits) > 32) return null;
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(base / size) * size;
  return { start, end: start + size - 1 };
}

/**
 * SQL: the numeric value of an IPv4 address column, NULL for IPv6 or anything else. Used on
 * aggregated rows (one per address pair and interval), not on raw tuples.
 */
export function sqlIpv4Number(e: string): string {
  return `CASE WHEN regexp_full_match(${e}, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}') THEN
    (split_part(${e}, '.', 1)::UBIGINT << 24) + (split_part(${e}, '.', 2)::UBIGINT << 16)
    + (split_part(${e}, '.', 3)::UBIGINT << 8) + split_part(${e}, '.', 4)::UBIGINT END`;
}

/** RFC 1918 private IPv4 space (10/8, 172.16/12, 192.168/16), as numeric ranges. */
const PRIVATE: readonly (readonly [number, number])[] = [
  [167772160, 184549375],
  [2886729728, 2887778303],
  [3232235520, 3232301055],
];

/** True for a private (RFC 1918) IPv4 address given as a number. */
export function isPrivateIpv4(n: number): boolean {
  return PRIVATE.some(([lo, hi]) => n >= lo && n <= hi);
}

/** SQL: the same test on a numeric address expression. */
export function sqlIsPrivate(num: string): string {
  return `(${PRIVATE.map(([lo, hi]) => `${num} BETWEEN ${lo} AND ${hi}`).join(' OR ')})`;
}

/**
 * SQL: the same test on IPv4 text, NULL for anything that is not a dotted quad. Matching the
 * prefixes as text costs a fraction of parsing the address into a number, once per range, on
 * every tuple a detection rule reads (docs/benchmarks.md). Leading zeros in an octet read as the
 * number they spell, as in the numeric test.
 */
export function sqlIsPrivateText(e: string): string {
  return `CASE WHEN regexp_full_match(${e}, '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}')
    THEN regexp_matches(${e}, '^0*(10|192\\.0*168|172\\.0*(1[6-9]|2[0-9]|3[01]))\\.') END`;
}
