import { counter, epochToTimestamp, IPV4, ipValid, port, timeInRange } from './sql-fragments.js';

/**
 * Encryption codes: X, NX, and NX_ plus a cause (NX_HW_NOT_SUPPORTED, NX_SW_NOT_READY,
 * NX_NOT_ACCEPTED, NX_NOT_SUPPORTED, NX_LOCAL_DST, NX_FALLBACK today). Any NX_ code is accepted so
 * a new Azure code never rejects real traffic. A pattern rather than an IN list: DuckDB runs a long
 * IN list as a join over every row, even inside a CASE branch that few rows reach.
 */
const ENCRYPTION = 'X|NX|NX_[A-Z0-9_]+';

/** 0..65535, leading zeros allowed (as a cast allows them). */
const PORT = '(?:[0-9]{1,4}|[0-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
/** 0..255. */
const BYTE = '(?:[0-9]{1,2}|[01][0-9]{2}|2[0-4][0-9]|25[0-5])';

/**
 * One regular expression that only well-formed IPv4 tuples match, ranges included (the time range
 * is checked on the value). Almost every real tuple matches, and for those the fields are cast
 * directly; only the rest (IPv6, or bad input) pay for the field-by-field checks that name what is
 * wrong. Counters allow 18 digits, which always fit BIGINT.
 */
const FAST_TUPLE =
  `[0-9]{10}(?:[0-9]{3})?,${IPV4},${IPV4},${PORT},${PORT},${BYTE},[IO],[BCED],` +
  `(?:${ENCRYPTION}),[0-9]{0,18},[0-9]{0,18},[0-9]{0,18},[0-9]{0,18}`;

/** Parses 13-field VNet (v4) tuples, for the v4 and flattened formats (see FlowFormat.tupleSql). */
export function vnetTupleSql(from: string): string {
  // The typed values are plain TRY_CASTs, right for every valid tuple; the checks that name what
  // is wrong run only for the rare tuple the fast pattern does not match.
  return `
  SELECT *,
    CASE WHEN ok AND ${timeInRange('TimeGenerated')} THEN NULL
      WHEN len(f) <> 13 THEN 'expected 13 comma-separated fields, found ' || len(f)
      WHEN TimeGenerated IS NULL THEN 'bad time: ' || f[1]
      WHEN NOT ${timeInRange('TimeGenerated')} THEN 'time out of range: ' || f[1]
      WHEN NOT ${ipValid('f[2]')} THEN 'bad source IP: ' || f[2]
      WHEN NOT ${ipValid('f[3]')} THEN 'bad destination IP: ' || f[3]
      WHEN ${port('f[4]')} IS NULL THEN 'bad source port: ' || f[4]
      WHEN ${port('f[5]')} IS NULL THEN 'bad destination port: ' || f[5]
      WHEN NOT coalesce(TRY_CAST(f[6] AS INTEGER) BETWEEN 0 AND 255, false) THEN 'bad protocol: ' || f[6]
      WHEN f[7] NOT IN ('I', 'O') THEN 'unknown direction: ' || f[7]
      WHEN f[8] NOT IN ('B', 'C', 'E', 'D') THEN 'unknown flow state: ' || f[8]
      WHEN NOT regexp_full_match(f[9], '${ENCRYPTION}') THEN 'unknown encryption code: ' || f[9]
      WHEN ${[10, 11, 12, 13].map((i) => `${counter(`f[${i}]`)} IS NULL`).join(' OR ')}
        THEN 'bad counter: ' || array_to_string(f[10:13], ',')
    END AS tuple_reason
  FROM (
    SELECT *, ${epochToTimestamp('f[1]')} AS TimeGenerated, coalesce(version, 4)::SMALLINT AS FlowLogVersion,
      f[2] AS SrcIp, f[3] AS DestIp, TRY_CAST(f[4] AS INTEGER) AS SrcPort, TRY_CAST(f[5] AS INTEGER) AS DestPort,
      TRY_CAST(f[6] AS SMALLINT) AS Protocol,
      CASE f[7] WHEN 'I' THEN 'Inbound' WHEN 'O' THEN 'Outbound' END AS FlowDirection,
      f[8] AS FlowState, f[9] AS FlowEncryption,
      coalesce(TRY_CAST(f[10] AS BIGINT), 0) AS PacketsSrcToDest, coalesce(TRY_CAST(f[11] AS BIGINT), 0) AS BytesSrcToDest,
      coalesce(TRY_CAST(f[12] AS BIGINT), 0) AS PacketsDestToSrc, coalesce(TRY_CAST(f[13] AS BIGINT), 0) AS BytesDestToSrc
    FROM (SELECT *, coalesce(regexp_full_match(raw, '${FAST_TUPLE}'), false) AS ok
          FROM (SELECT *, string_split(raw, ',') AS f FROM ${from}))
  )`;
}
