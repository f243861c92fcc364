import {
  counter,
  epochToTimestamp,
  ipValid,
  l4Letter,
  normalMac,
  port,
  rawCut,
  timeInRange,
} from './sql-fragments.js';

const ENCRYPTION_CODES = [
  'X',
  'NX',
  'NX_HW_NOT_SUPPORTED',
  'NX_SW_NOT_READY',
  'NX_NOT_ACCEPTED',
  'NX_NOT_SUPPORTED',
  'NX_LOCAL_DST',
  'NX_FALLBACK',
];

/**
 * Parses 13-field VNet (v4) tuples. `from` must yield: filename, rec_idx, tup_idx, raw (the tuple
 * text; NULL with tup_idx NULL marks a record without tuples), acl, rule, rec_time, version,
 * flowlog_id, target_id, mac, and rec_reason (a record-level problem, or NULL).
 * Unknown NX_* encryption codes are accepted so a new Azure code never rejects real traffic.
 */
export function vnetTupleSql(from: string): string {
  const enc = ENCRYPTION_CODES.map((c) => `'${c}'`).join(', ');
  return `
  SELECT filename, rec_idx, tup_idx, reason, CASE WHEN reason IS NOT NULL THEN ${rawCut('raw')} END AS raw, * EXCLUDE (filename, rec_idx, tup_idx, reason, raw) FROM (
  SELECT filename, rec_idx, tup_idx, raw,
    CASE
      WHEN rec_reason IS NOT NULL THEN rec_reason
      WHEN tup_idx IS NULL THEN NULL
      WHEN raw IS NULL THEN 'tuple is not a string'
      WHEN len(f) <> 13 THEN 'expected 13 comma-separated fields, found ' || len(f)
      WHEN ts IS NULL THEN 'bad time: ' || f[1]
      WHEN NOT ${timeInRange('ts')} THEN 'time out of range: ' || f[1]
      WHEN NOT ${ipValid('f[2]')} THEN 'bad source IP: ' || f[2]
      WHEN NOT ${ipValid('f[3]')} THEN 'bad destination IP: ' || f[3]
      WHEN sport IS NULL THEN 'bad source port: ' || f[4]
      WHEN dport IS NULL THEN 'bad destination port: ' || f[5]
      WHEN proto IS NULL THEN 'bad protocol: ' || f[6]
      WHEN f[7] NOT IN ('I', 'O') THEN 'unknown direction: ' || f[7]
      WHEN f[8] NOT IN ('B', 'C', 'E', 'D') THEN 'unknown flow state: ' || f[8]
      WHEN NOT (f[9] IN (${enc}) OR regexp_full_match(f[9], 'NX_[A-Z0-9_]+')) THEN 'unknown encryption code: ' || f[9]
      WHEN c1 IS NULL OR c2 IS NULL OR c3 IS NULL OR c4 IS NULL THEN 'bad counter: ' || array_to_string(f[10:13], ',')
      WHEN mac IS NULL OR NOT regexp_full_match(mac, '[0-9A-F]{12}') THEN 'bad MAC address: ' || coalesce(mac, '(none)')
    END AS reason,
    ts AS TimeGenerated, rec_time AS RecordTime, version AS FlowLogVersion,
    flowlog_id AS FlowLogResourceId, target_id AS TargetResourceId, mac AS MacAddress,
    acl AS AclId, rule AS AclRule, f[2] AS SrcIp, f[3] AS DestIp, sport AS SrcPort, dport AS DestPort,
    proto AS Protocol, ${l4Letter('proto')} AS L4Protocol,
    CASE f[7] WHEN 'I' THEN 'Inbound' WHEN 'O' THEN 'Outbound' END AS FlowDirection,
    f[8] AS FlowState, CASE WHEN f[8] = 'D' THEN 'Denied' ELSE 'Allowed' END AS FlowStatus,
    f[9] AS FlowEncryption, c1 AS PacketsSrcToDest, c2 AS BytesSrcToDest, c3 AS PacketsDestToSrc, c4 AS BytesDestToSrc
  FROM (
    SELECT *, ${epochToTimestamp('f[1]')} AS ts, ${port('f[4]')} AS sport, ${port('f[5]')} AS dport,
      CASE WHEN TRY_CAST(f[6] AS INTEGER) BETWEEN 0 AND 255 THEN TRY_CAST(f[6] AS SMALLINT) END AS proto,
      ${counter('f[10]')} AS c1, ${counter('f[11]')} AS c2, ${counter('f[12]')} AS c3, ${counter('f[13]')} AS c4
    FROM (SELECT * EXCLUDE (mac), ${normalMac('mac')} AS mac, string_split(raw, ',') AS f FROM ${from})
  ))`;
}
