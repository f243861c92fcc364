import { ipv4Number, ipv6Number } from '../../enrich/ip-text.js';
import { sqlString } from '../../ingest/sql-literal.js';
import type { Store } from '../store.js';

/**
 * The SQL of `vnetflow export` (src/export/ keeps orchestration only): one SELECT per format and
 * table yielding one row per event whose columns are the event's top-level fields (structs for
 * objects), written by DuckDB's COPY as NDJSON. Building events in the database, rather than row
 * by row in JavaScript, is what makes a day of tuples export in seconds.
 */

/** What can be exported, and as what. */
export type ExportFormat = 'ecs' | 'ocsf' | 'raw';
export type ExportTable = 'FlowTuples' | 'Alerts';

/** The ECS version the events follow (field definitions from @elastic/ecs, checked in tests). */
export const ECS_VERSION = '8.11.0';
/** The OCSF schema version the events follow (test/fixtures/ocsf, checked in tests). */
export const OCSF_VERSION = '1.2.0';

const ts = (d: Date): string => `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;

function timeFilter(column: string, from: Date | null, to: Date | null): string {
  const parts = [from ? `${column} >= ${ts(from)}` : null, to ? `${column} < ${ts(to)}` : null];
  return parts.filter(Boolean).join(' AND ') || 'true';
}

/** ISO 8601 UTC text with milliseconds, as ECS dates are written. */
const iso = (c: string): string => `strftime(${c}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
/** Epoch milliseconds, OCSF's timestamp_t. */
const ms = (c: string): string => `epoch_ms(${c})`;

/** The 4 or 16 bytes of an address (IPv4 or IPv6 text), NULL for anything else. */
function ipBytes(ip: string): string {
  return `CASE WHEN ${ip} LIKE '%:%' THEN unhex(lpad(hex(${ipv6Number(ip)}), 32, '0'))
    ELSE unhex(printf('%08x', ${ipv4Number(ip)})) END`;
}

/**
 * The tuples of the range with what every format needs beside them: the two addresses' bytes
 * (computed once per distinct address, not per tuple) for the Community ID, and what
 * NTAIpDetails knows of public addresses (country, owner).
 */
function tuples(from: Date | null, to: Date | null): string {
  return `WITH t AS (SELECT * FROM FlowTuples WHERE ${timeFilter('TimeGenerated', from, to)}),
    ips AS (SELECT ip, ${ipBytes('ip')} AS b FROM (SELECT SrcIp AS ip FROM t UNION SELECT DestIp FROM t)),
    intel AS (SELECT Ip, any_value(Location) FILTER (WHERE regexp_full_match(Location, '[A-Z]{2}')) AS country,
        any_value(PublicIpDetails) AS owner FROM NTAIpDetails GROUP BY Ip),
    f AS (SELECT t.*, s.b AS sb, d.b AS db, si.country AS SrcCountry, si.owner AS SrcOwner, di.country AS DestCountry,
        di.owner AS DestOwner, regexp_extract(TargetResourceId, '/subscriptions/([^/]+)', 1) AS Subscription
      FROM t LEFT JOIN ips s ON s.ip = t.SrcIp LEFT JOIN ips d ON d.ip = t.DestIp
      LEFT JOIN intel si ON si.Ip = t.SrcIp LEFT JOIN intel di ON di.Ip = t.DestIp)`;
}

/**
 * Community ID v1 (seed 0) of a tuple: base64 of the SHA-1 of seed, the lower endpoint's address
 * and port first, the protocol and a pad byte. ICMP tuples carry ports 0 as Azure writes them
 * (not ICMP type and code), so their IDs group by address pair.
 */
function communityId(): string {
  const swap = `(sb > db OR (sb = db AND SrcPort > DestPort))`;
  const port = (p: string): string => `unhex(printf('%04x', ${p}))`;
  return `CASE WHEN sb IS NOT NULL AND db IS NOT NULL THEN '1:' || to_base64(unhex(sha1(
    '\\x00\\x00'::BLOB || CASE WHEN ${swap} THEN db || sb ELSE sb || db END || unhex(printf('%02x', Protocol)) || '\\x00'::BLOB
    || CASE WHEN ${swap} THEN ${port('DestPort')} || ${port('SrcPort')} ELSE ${port('SrcPort')} || ${port('DestPort')} END))) END`;
}

const TRANSPORT = `CASE Protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' WHEN 1 THEN 'icmp' WHEN 58 THEN 'ipv6-icmp' ELSE CAST(Protocol AS VARCHAR) END`;

/** Flow tuples as ECS 8.x network events, the way SIEM intakes normalise them (seed 002). */
function ecsTuples(from: Date | null, to: Date | null): string {
  const side = (
    ip: string,
    port: string,
    bytes: string,
    packets: string,
    country: string,
    owner: string,
  ): string =>
    // Geo and owner only where enrichment knows them: a NULL object is written as null, not as
    // an object of nulls (events are written by the gigabyte; every byte costs time).
    `{'ip': ${ip}, 'port': ${port}, 'bytes': ${bytes}, 'packets': ${packets},
      'geo': CASE WHEN ${country} IS NOT NULL THEN {'country_iso_code': ${country}} END,
      'as': CASE WHEN ${owner} IS NOT NULL THEN {'organization': {'name': ${owner}}} END}`;
  return `${tuples(from, to)}
  SELECT ${iso('TimeGenerated')} AS "@timestamp",
    {'version': '${ECS_VERSION}'} AS ecs,
    {'kind': 'event', 'category': ['network'],
     'type': [CASE FlowState WHEN 'B' THEN 'start' WHEN 'E' THEN 'end' WHEN 'D' THEN 'denied' ELSE 'info' END],
     'action': lower(FlowStatus), 'outcome': CASE WHEN FlowStatus = 'Denied' THEN 'failure' ELSE 'success' END,
     'code': 'FlowLogFlowEvent', 'module': 'azure', 'dataset': 'azure.vnet_flow_logs',
     'created': ${iso('RecordTime')}} AS event,
    ${side('SrcIp', 'SrcPort', 'BytesSrcToDest', 'PacketsSrcToDest', 'SrcCountry', 'SrcOwner')} AS source,
    ${side('DestIp', 'DestPort', 'BytesDestToSrc', 'PacketsDestToSrc', 'DestCountry', 'DestOwner')} AS destination,
    {'transport': ${TRANSPORT}, 'iana_number': CAST(Protocol AS VARCHAR), 'direction': lower(FlowDirection),
     'bytes': coalesce(BytesSrcToDest, 0) + coalesce(BytesDestToSrc, 0),
     'packets': coalesce(PacketsSrcToDest, 0) + coalesce(PacketsDestToSrc, 0), 'community_id': ${communityId()}} AS network,
    {'name': AclRule, 'ruleset': AclId} AS rule,
    {'mac': [array_to_string(list_transform(range(1, length(MacAddress), 2), i -> substr(MacAddress, i, 2)), '-')],
     'vendor': 'Microsoft', 'product': 'Azure VNet flow logs',
     'type': 'virtual-network'} AS observer,
    {'provider': 'azure', 'account': {'id': Subscription}, 'service': {'name': 'Virtual Network'}} AS cloud,
    {'ip': list_distinct([SrcIp, DestIp])} AS related,
    {'vnet_flow': {'version': FlowLogVersion, 'state': FlowState, 'encryption': FlowEncryption,
     'target_resource_id': TargetResourceId}} AS azure
  FROM f`;
}

const ACTIVITY = `CASE FlowState WHEN 'B' THEN 1 WHEN 'E' THEN 2 WHEN 'D' THEN 5 ELSE 6 END`;
const ACTIVITY_NAME = `CASE FlowState WHEN 'B' THEN 'Open' WHEN 'E' THEN 'Close' WHEN 'D' THEN 'Refuse' ELSE 'Traffic' END`;

function ocsfMetadata(profiles: string[]): string {
  return `{'version': '${OCSF_VERSION}', 'product': {'name': 'vnetflow', 'vendor_name': 'vnetflow', 'feature': {'name': 'Azure VNet flow logs'}},
    'profiles': [${profiles.map((p) => `'${p}'`).join(', ')}]}`;
}

/** Flow tuples as OCSF Network Activity (class 4001) events, with the cloud and security_control profiles. */
function ocsfTuples(from: Date | null, to: Date | null): string {
  return `${tuples(from, to)}
  SELECT ${ACTIVITY} AS activity_id, ${ACTIVITY_NAME} AS activity_name,
    4 AS category_uid, 'Network Activity' AS category_name, 4001 AS class_uid, 'Network Activity' AS class_name,
    400100 + ${ACTIVITY} AS type_uid, 'Network Activity: ' || ${ACTIVITY_NAME} AS type_name,
    1 AS severity_id, 'Informational' AS severity, ${ms('TimeGenerated')} AS time,
    ${ocsfMetadata(['cloud', 'security_control'])} AS metadata,
    {'provider': 'Azure', 'account': {'uid': Subscription}} AS cloud,
    {'ip': SrcIp, 'port': SrcPort, 'location': CASE WHEN SrcCountry IS NOT NULL THEN {'country': SrcCountry} END} AS src_endpoint,
    {'ip': DestIp, 'port': DestPort, 'location': CASE WHEN DestCountry IS NOT NULL THEN {'country': DestCountry} END} AS dst_endpoint,
    {'direction_id': CASE FlowDirection WHEN 'Inbound' THEN 1 WHEN 'Outbound' THEN 2 ELSE 0 END,
     'direction': FlowDirection, 'protocol_num': Protocol, 'protocol_name': ${TRANSPORT}, 'uid': ${communityId()}} AS connection_info,
    {'bytes_out': BytesSrcToDest, 'bytes_in': BytesDestToSrc, 'packets_out': PacketsSrcToDest, 'packets_in': PacketsDestToSrc,
     'bytes': coalesce(BytesSrcToDest, 0) + coalesce(BytesDestToSrc, 0),
     'packets': coalesce(PacketsSrcToDest, 0) + coalesce(PacketsDestToSrc, 0)} AS traffic,
    CASE FlowStatus WHEN 'Allowed' THEN 1 WHEN 'Denied' THEN 2 ELSE 0 END AS action_id, FlowStatus AS action,
    CASE FlowStatus WHEN 'Allowed' THEN 1 WHEN 'Denied' THEN 2 ELSE 0 END AS disposition_id,
    CASE FlowStatus WHEN 'Allowed' THEN 'Allowed' WHEN 'Denied' THEN 'Blocked' ELSE 'Unknown' END AS disposition,
    {'name': AclRule, 'uid': AclId} AS firewall_rule,
    {'FlowState': FlowState, 'FlowEncryption': FlowEncryption, 'MacAddress': MacAddress,
     'TargetResourceId': TargetResourceId} AS unmapped
  FROM f`;
}

const SEVERITY_ID = `CASE Severity WHEN 'Informational' THEN 1 WHEN 'Low' THEN 2 WHEN 'Medium' THEN 3 WHEN 'High' THEN 4 ELSE 0 END`;
const alertsIn = (from: Date | null, to: Date | null): string =>
  `FROM Alerts WHERE ${timeFilter('TimeGenerated', from, to)} ORDER BY TimeGenerated, AlertId`;
const strings = (c: string): string => `from_json(${c}, '["VARCHAR"]')`;

/** Alerts as ECS 8.x alert events. */
function ecsAlerts(from: Date | null, to: Date | null): string {
  return `SELECT ${iso('TimeGenerated')} AS "@timestamp", {'version': '${ECS_VERSION}'} AS ecs,
    {'kind': 'alert', 'category': ['network', 'intrusion_detection'], 'type': ['info'], 'id': AlertId,
     'severity': ${SEVERITY_ID}, 'start': ${iso('StartTime')}, 'end': ${iso('EndTime')}, 'module': 'vnetflow',
     'dataset': 'vnetflow.alerts', 'reference': Evidence} AS event,
    Description AS message,
    {'id': RuleId, 'name': RuleName, 'description': Description} AS rule,
    {'framework': 'MITRE ATT&CK', 'tactic': {'name': ${strings('Tactics')}}, 'technique': {'id': ${strings('Techniques')}}} AS threat,
    {'ip': list_distinct(list_concat(${strings('SrcIps')}, ${strings('DestIps')}))} AS related,
    {'alerts': {'src_ips': ${strings('SrcIps')}, 'dest_ips': ${strings('DestIps')}, 'dest_ports': from_json(DestPorts, '["BIGINT"]'),
     'evidence_count': EvidenceCount, 'entities': Entities}} AS vnetflow
  ${alertsIn(from, to)}`;
}

/** Alerts as OCSF Detection Finding (class 2004) events. */
function ocsfAlerts(from: Date | null, to: Date | null): string {
  return `SELECT 1 AS activity_id, 'Create' AS activity_name, 2 AS category_uid, 'Findings' AS category_name,
    2004 AS class_uid, 'Detection Finding' AS class_name, 200401 AS type_uid, 'Detection Finding: Create' AS type_name,
    ${SEVERITY_ID} AS severity_id, Severity AS severity, ${ms('TimeGenerated')} AS time, Description AS message,
    ${ocsfMetadata(['cloud', 'security_control'])} AS metadata,
    {'provider': 'Azure'} AS cloud, 0 AS action_id, 'Unknown' AS action, 1 AS status_id, 'New' AS status,
    {'uid': AlertId, 'title': RuleName, 'desc': Description, 'first_seen_time': ${ms('StartTime')}, 'last_seen_time': ${ms('EndTime')},
     'analytic': {'uid': RuleId, 'name': RuleName, 'type_id': 1, 'type': 'Rule'},
     'attacks': list_transform(${strings('Techniques')}, x -> {'technique': {'uid': x}}),
     'src_url': NULL::VARCHAR} AS finding_info,
    {'SrcIps': ${strings('SrcIps')}, 'DestIps': ${strings('DestIps')}, 'DestPorts': from_json(DestPorts, '["BIGINT"]'),
     'Evidence': Evidence, 'EvidenceCount': EvidenceCount, 'Tactics': ${strings('Tactics')}} AS unmapped
  ${alertsIn(from, to)}`;
}

/**
 * Flow tuples as the FlowLogFlowEvent records Azure writes (flow log version 4), one record per
 * line: the tuples of one record (same record time, NIC, flow log and target) regrouped by ACL
 * and rule, each tuple in Azure's comma-separated form. Legacy NSG tuples come out in the same
 * v4 shape, with their flowLogVersion kept.
 */
function rawTuples(from: Date | null, to: Date | null): string {
  const counter = (c: string): string => `coalesce(CAST(${c} AS VARCHAR), '')`;
  const tuple = `concat_ws(',', CAST(epoch_ms(TimeGenerated) AS VARCHAR), SrcIp, DestIp, CAST(SrcPort AS VARCHAR),
    CAST(DestPort AS VARCHAR), CAST(Protocol AS VARCHAR), CASE FlowDirection WHEN 'Inbound' THEN 'I' ELSE 'O' END, FlowState,
    coalesce(FlowEncryption, ''), ${counter('PacketsSrcToDest')}, ${counter('BytesSrcToDest')}, ${counter('PacketsDestToSrc')},
    ${counter('BytesDestToSrc')})`;
  return `WITH t AS (SELECT * FROM FlowTuples WHERE ${timeFilter('RecordTime', from, to)}),
    g AS (SELECT RecordTime, FlowLogVersion, FlowLogResourceId, TargetResourceId, MacAddress, AclId, AclRule,
        list(${tuple}) AS flowTuples FROM t GROUP BY ALL),
    a AS (SELECT RecordTime, FlowLogVersion, FlowLogResourceId, TargetResourceId, MacAddress, AclId,
        list({'rule': AclRule, 'flowTuples': flowTuples}) AS flowGroups FROM g GROUP BY ALL)
  SELECT strftime(RecordTime, '%Y-%m-%dT%H:%M:%S.%fZ') AS "time", FlowLogVersion AS flowLogVersion, MacAddress AS macAddress,
    'FlowLogFlowEvent' AS category, FlowLogResourceId AS flowLogResourceID, TargetResourceId AS targetResourceID,
    'FlowLogFlowEvent' AS operationName,
    {'flows': list({'aclID': AclId, 'flowGroups': flowGroups})} AS flowRecords
  FROM a GROUP BY RecordTime, FlowLogVersion, FlowLogResourceId, TargetResourceId, MacAddress`;
}

const SELECTS: Record<
  ExportFormat,
  Partial<Record<ExportTable, (from: Date | null, to: Date | null) => string>>
> = {
  ecs: { FlowTuples: ecsTuples, Alerts: ecsAlerts },
  ocsf: { FlowTuples: ocsfTuples, Alerts: ocsfAlerts },
  raw: { FlowTuples: rawTuples },
};

/**
 * The 10-minute spans (epoch ms of their starts) of the record times in [from, to): raw records
 * are rebuilt a span at a time, as regrouping a day of tuples into records at once takes more
 * memory than an export may use.
 */
export async function recordHours(store: Store, from: Date | null, to: Date | null): Promise<number[]> {
  const rows = await store.rows(
    `SELECT DISTINCT epoch_ms(time_bucket(INTERVAL 10 MINUTE, RecordTime)) AS h FROM FlowTuples WHERE ${timeFilter('RecordTime', from, to)} ORDER BY h`,
  );
  return rows.map((r) => Number(r.h));
}

/** True when the format can export the table (raw is for flow tuples only). */
export function canExport(format: ExportFormat, table: ExportTable): boolean {
  return SELECTS[format][table] !== undefined;
}

/**
 * Writes the events of [from, to) as NDJSON to `path` (gzip when asked); returns how many. The
 * path comes from the local command line, quoted as a SQL literal.
 */
export async function exportToFile(
  store: Store,
  o: {
    format: ExportFormat;
    table: ExportTable;
    from: Date | null;
    to: Date | null;
    path: string;
    gzip: boolean;
  },
): Promise<number> {
  const select = SELECTS[o.format][o.table];
  if (!select) throw new Error(`${o.format} export of ${o.table} is not available`);
  const options = o.gzip ? 'FORMAT JSON, COMPRESSION gzip' : 'FORMAT JSON';
  return store.run(`COPY (${select(o.from, o.to)}) TO ${sqlString(o.path)} (${options})`);
}
