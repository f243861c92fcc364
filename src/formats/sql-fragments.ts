/**
 * SQL pieces shared by the formats. Every check is set-based and runs inside DuckDB; a check
 * that fails yields NULL so the caller can name the first failing field in `reason`.
 */

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
/** A dotted-quad IPv4 address, each octet 0..255 without leading zeros. */
export const IPV4 = `${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}`;
const H = '[0-9A-Fa-f]{1,4}';
// Full form, or a compressed form with one `::`, optionally ending in an embedded IPv4 address.
const IPV6 = `((${H}:){7}${H}|((${H}:){0,6}${H})?::((${H}:){0,6}${H})?|((${H}:){0,5}${H})?::(${H}:){0,4}${IPV4}|(${H}:){6}${IPV4})`;

/** True when e is a syntactically valid IPv4 or IPv6 address. */
export function ipValid(e: string): string {
  return `(regexp_full_match(${e}, '${IPV4}') OR (contains(${e}, ':') AND regexp_full_match(${e}, '${IPV6}')))`;
}

/** Unix time in milliseconds (13 digits) or seconds (10 digits) to a UTC TIMESTAMP; NULL otherwise. */
export function epochToTimestamp(e: string): string {
  return `CASE WHEN length(${e}) = 13 THEN make_timestamp(TRY_CAST(${e} AS BIGINT) * 1000)
    WHEN length(${e}) = 10 THEN make_timestamp(TRY_CAST(${e} AS BIGINT) * 1000000) END`;
}

/** Plausible tuple times: anything outside is a corrupt timestamp, not a real flow. */
export function timeInRange(e: string): string {
  return `(${e} >= TIMESTAMP '2010-01-01' AND ${e} < TIMESTAMP '2100-01-01')`;
}

/** A port 0..65535, else NULL. */
export function port(e: string): string {
  return `CASE WHEN TRY_CAST(${e} AS INTEGER) BETWEEN 0 AND 65535 THEN TRY_CAST(${e} AS INTEGER) END`;
}

/** A counter: empty means 0 (B and D rows may carry `,,,,`), else a non-negative integer, else NULL. */
export function counter(e: string): string {
  return `CASE WHEN ${e} = '' THEN 0::BIGINT WHEN TRY_CAST(${e} AS BIGINT) >= 0 THEN TRY_CAST(${e} AS BIGINT) END`;
}

/** A record time such as 2022-09-14T09:00:52.5625085Z or ...+00:00 to a UTC TIMESTAMP (NULL if absent or bad). */
export function recordTime(e: string): string {
  return `TRY_CAST(TRY_CAST(${e} AS TIMESTAMPTZ) AS TIMESTAMP)`;
}

/** A MAC in any common spelling to 12 upper-case hex digits. */
export function normalMac(e: string): string {
  return `upper(replace(replace(${e}, '-', ''), ':', ''))`;
}

/** L4Protocol letter from the IANA number, as Traffic Analytics spells it. */
export function l4Letter(e: string): string {
  return `CASE ${e} WHEN 6 THEN 'T' WHEN 17 THEN 'U' WHEN 1 THEN 'I' WHEN 58 THEN 'I' ELSE CAST(${e} AS VARCHAR) END`;
}

/** Cuts raw text for IngestErrors so one giant bad value cannot bloat the table. */
export function rawCut(e: string): string {
  return `left(${e}, 4096)`;
}
