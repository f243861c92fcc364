import { ipv4Number, ipv6Number } from '../../enrich/ip-text.js';
import { sqlString } from '../../ingest/sql-literal.js';
import type { Store } from '../store.js';
import { arr, json, jsonText, lit, LINES_COPY, num, obj, str, text, type JsonSql } from './json-text.js';

/**
 * The SQL of `vnetflow export` (src/export/ keeps orchestration only): one SELECT per format and
 * table yielding one row per event whose columns are the event's top-level fields (structs for
 * objects), written by DuckDB's COPY as NDJSON. Building events in the database, rather than row
 * by row in JavaScript, is what makes a day of tuples export in seconds.
 */

/** What can be exported, and as what. */
export type ExportFormat = 'ecs' | 'ocsf' | 'raw';
export type ExportTable = 'FlowTuples' | 'Flows' | 'NTANetAnalytics' | 'Alerts';

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
function tuples(where: string): string {
  // What depends on the NIC or on one address is worked out once per distinct value, not per
  // tuple: a day holds millions of tuples but a few hundred NICs and thousands of addresses.
  const mac = `array_to_string(list_transform(range(1, length(MacAddress), 2), i -> substr(MacAddress, i, 2)), '-')`;
  return `WITH t AS (SELECT * FROM FlowTuples WHERE ${where}),
    ips AS (SELECT ip, ${ipBytes('ip')} AS b, to_json(ip)::VARCHAR AS j FROM (SELECT SrcIp AS ip FROM t UNION SELECT DestIp FROM t)),
    nics AS (SELECT TargetResourceId AS tr, MacAddress AS nic,
        regexp_extract(TargetResourceId, '/subscriptions/([^/]+)', 1) AS Subscription,
        to_json(${mac})::VARCHAR AS ObserverMacJson, to_json(TargetResourceId)::VARCHAR AS TargetJson
      FROM (SELECT DISTINCT TargetResourceId, MacAddress FROM t)),
    intel AS (SELECT Ip, any_value(Location) FILTER (WHERE regexp_full_match(Location, '[A-Z]{2}')) AS country,
        any_value(PublicIpDetails) AS owner FROM NTAIpDetails GROUP BY Ip),
    f AS (SELECT t.*, s.b AS sb, d.b AS db, s.j AS SrcIpJson, d.j AS DestIpJson, si.country AS SrcCountry,
        si.owner AS SrcOwner, di.country AS DestCountry, di.owner AS DestOwner, n.Subscription, n.ObserverMacJson, n.TargetJson
      FROM t LEFT JOIN ips s ON s.ip = t.SrcIp LEFT JOIN ips d ON d.ip = t.DestIp
      LEFT JOIN nics n ON n.tr IS NOT DISTINCT FROM t.TargetResourceId AND n.nic IS NOT DISTINCT FROM t.MacAddress
      LEFT JOIN intel si ON si.Ip = t.SrcIp LEFT JOIN intel di ON di.Ip = t.DestIp)`;
}

/** related.ip: the two addresses, once when they are the same. */
const RELATED_IPS = `'[' || SrcIpJson || CASE WHEN SrcIp = DestIp THEN '' ELSE ',' || DestIpJson END || ']'`;

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
function ecsTuples(where: string): string {
  const side = (
    ip: string,
    port: string,
    bytes: string,
    packets: string,
    country: string,
    owner: string,
  ): JsonSql =>
    // Geo and owner only where enrichment knows them: a NULL object is written as null, not as
    // an object of nulls (events are written by the gigabyte; every byte costs time).
    obj({
      ip: json(ip),
      port: num(port),
      bytes: num(bytes),
      packets: num(packets),
      geo: obj({ country_iso_code: str(country) }, `${country} IS NOT NULL`),
      as: obj({ organization: obj({ name: str(owner) }) }, `${owner} IS NOT NULL`),
    });
  const event = obj({
    '@timestamp': text(iso('TimeGenerated')),
    ecs: lit({ version: ECS_VERSION }),
    event: obj({
      kind: lit('event'),
      category: lit(['network']),
      type: arr([
        text(
          `CASE FlowState WHEN 'B' THEN 'start' WHEN 'E' THEN 'end' WHEN 'D' THEN 'denied' ELSE 'info' END`,
        ),
      ]),
      action: str('lower(FlowStatus)'),
      outcome: text(`CASE WHEN FlowStatus = 'Denied' THEN 'failure' ELSE 'success' END`),
      code: lit('FlowLogFlowEvent'),
      module: lit('azure'),
      dataset: lit('azure.vnet_flow_logs'),
      created: text(iso('RecordTime')),
    }),
    source: side('SrcIpJson', 'SrcPort', 'BytesSrcToDest', 'PacketsSrcToDest', 'SrcCountry', 'SrcOwner'),
    destination: side(
      'DestIpJson',
      'DestPort',
      'BytesDestToSrc',
      'PacketsDestToSrc',
      'DestCountry',
      'DestOwner',
    ),
    network: obj({
      transport: str(TRANSPORT),
      iana_number: text('CAST(Protocol AS VARCHAR)'),
      direction: str('lower(FlowDirection)'),
      bytes: num('coalesce(BytesSrcToDest, 0) + coalesce(BytesDestToSrc, 0)'),
      packets: num('coalesce(PacketsSrcToDest, 0) + coalesce(PacketsDestToSrc, 0)'),
      community_id: text(communityId()),
    }),
    rule: obj({ name: str('AclRule'), ruleset: str('AclId') }),
    observer: obj({
      mac: arr([json('ObserverMacJson')]),
      vendor: lit('Microsoft'),
      product: lit('Azure VNet flow logs'),
      type: lit('virtual-network'),
    }),
    cloud: obj({
      provider: lit('azure'),
      account: obj({ id: str('Subscription') }),
      service: lit({ name: 'Virtual Network' }),
    }),
    related: obj({ ip: json(RELATED_IPS) }),
    azure: obj({
      vnet_flow: obj({
        version: num('FlowLogVersion'),
        state: str('FlowState'),
        encryption: str('FlowEncryption'),
        target_resource_id: json('TargetJson'),
      }),
    }),
  });
  return `${tuples(where)} SELECT ${jsonText(event)} AS event FROM f`;
}

const ACTIVITY = `CASE FlowState WHEN 'B' THEN 1 WHEN 'E' THEN 2 WHEN 'D' THEN 5 ELSE 6 END`;
const ACTIVITY_NAME = `CASE FlowState WHEN 'B' THEN 'Open' WHEN 'E' THEN 'Close' WHEN 'D' THEN 'Refuse' ELSE 'Traffic' END`;

/** OCSF metadata: the same for every event vnetflow writes. */
const OCSF_METADATA = {
  version: OCSF_VERSION,
  product: { name: 'vnetflow', vendor_name: 'vnetflow', feature: { name: 'Azure VNet flow logs' } },
  profiles: ['cloud', 'security_control'],
};

/** A constant as a DuckDB struct or list literal, for the events the JSON writer writes. */
function structLiteral(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(structLiteral).join(', ')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${sqlString(k)}: ${structLiteral(x)}`)
      .join(', ')}}`;
  return typeof v === 'string' ? sqlString(v) : String(v);
}
const OCSF_METADATA_SQL = structLiteral(OCSF_METADATA);

/** OCSF traffic: source to destination is out. */
const OCSF_TRAFFIC = `{'bytes_out': BytesSrcToDest, 'bytes_in': BytesDestToSrc, 'packets_out': PacketsSrcToDest,
     'packets_in': PacketsDestToSrc, 'bytes': coalesce(BytesSrcToDest, 0) + coalesce(BytesDestToSrc, 0),
     'packets': coalesce(PacketsSrcToDest, 0) + coalesce(PacketsDestToSrc, 0)} AS traffic`;
const OCSF_DIRECTION_ID = `CASE FlowDirection WHEN 'Inbound' THEN 1 WHEN 'Outbound' THEN 2 ELSE 0 END`;

/** OCSF action and disposition from an Allowed/Denied status. */
function ocsfVerdict(status: string): string {
  return `CASE ${status} WHEN 'Allowed' THEN 1 WHEN 'Denied' THEN 2 ELSE 0 END AS action_id, ${status} AS action,
    CASE ${status} WHEN 'Allowed' THEN 1 WHEN 'Denied' THEN 2 ELSE 0 END AS disposition_id,
    CASE ${status} WHEN 'Allowed' THEN 'Allowed' WHEN 'Denied' THEN 'Blocked' ELSE 'Unknown' END AS disposition`;
}

/** Flow tuples as OCSF Network Activity (class 4001) events, with the cloud and security_control profiles. */
function ocsfTuples(where: string): string {
  const endpoint = (ip: string, port: string, country: string): JsonSql =>
    obj({
      ip: json(ip),
      port: num(port),
      location: obj({ country: str(country) }, `${country} IS NOT NULL`),
    });
  const verdict = `CASE FlowStatus WHEN 'Allowed' THEN 1 WHEN 'Denied' THEN 2 ELSE 0 END`;
  const event = obj({
    activity_id: num(ACTIVITY),
    activity_name: text(ACTIVITY_NAME),
    category_uid: lit(4),
    category_name: lit('Network Activity'),
    class_uid: lit(4001),
    class_name: lit('Network Activity'),
    type_uid: num(`400100 + ${ACTIVITY}`),
    type_name: text(`'Network Activity: ' || ${ACTIVITY_NAME}`),
    severity_id: lit(1),
    severity: lit('Informational'),
    time: num(ms('TimeGenerated')),
    metadata: lit(OCSF_METADATA),
    cloud: obj({ provider: lit('Azure'), account: obj({ uid: str('Subscription') }) }),
    src_endpoint: endpoint('SrcIpJson', 'SrcPort', 'SrcCountry'),
    dst_endpoint: endpoint('DestIpJson', 'DestPort', 'DestCountry'),
    connection_info: obj({
      direction_id: num(OCSF_DIRECTION_ID),
      direction: str('FlowDirection'),
      protocol_num: num('Protocol'),
      protocol_name: str(TRANSPORT),
      uid: text(communityId()),
    }),
    traffic: obj({
      bytes_out: num('BytesSrcToDest'),
      bytes_in: num('BytesDestToSrc'),
      packets_out: num('PacketsSrcToDest'),
      packets_in: num('PacketsDestToSrc'),
      bytes: num('coalesce(BytesSrcToDest, 0) + coalesce(BytesDestToSrc, 0)'),
      packets: num('coalesce(PacketsSrcToDest, 0) + coalesce(PacketsDestToSrc, 0)'),
    }),
    action_id: num(verdict),
    action: str('FlowStatus'),
    disposition_id: num(verdict),
    disposition: text(
      `CASE FlowStatus WHEN 'Allowed' THEN 'Allowed' WHEN 'Denied' THEN 'Blocked' ELSE 'Unknown' END`,
    ),
    firewall_rule: obj({ name: str('AclRule'), uid: str('AclId') }),
    unmapped: obj({
      FlowState: str('FlowState'),
      FlowEncryption: str('FlowEncryption'),
      MacAddress: str('MacAddress'),
      TargetResourceId: json('TargetJson'),
    }),
  });
  return `${tuples(where)} SELECT ${jsonText(event)} AS event FROM f`;
}

const L4_TRANSPORT = `CASE L4Protocol WHEN 'T' THEN 'tcp' WHEN 'U' THEN 'udp' WHEN 'I' THEN 'icmp' ELSE L4Protocol END`;
const ns = (seconds: string): string => `CAST(round(${seconds} * 1e9) AS BIGINT)`;

/** Connections (Flows) as ECS network events with their start, end and duration. */
function ecsFlows(where: string): string {
  return `SELECT ${iso('FlowStartTime')} AS "@timestamp", {'version': '${ECS_VERSION}'} AS ecs,
    {'kind': 'event', 'category': ['network'],
     'type': CASE State WHEN 'denied' THEN ['denied'] WHEN 'open' THEN ['connection', 'start'] ELSE ['connection', 'end'] END,
     'action': CASE State WHEN 'denied' THEN 'denied' ELSE 'allowed' END,
     'outcome': CASE State WHEN 'denied' THEN 'failure' ELSE 'success' END,
     'start': ${iso('FlowStartTime')}, 'end': ${iso('FlowEndTime')}, 'duration': ${ns('DurationSeconds')},
     'module': 'azure', 'dataset': 'vnetflow.flows'} AS event,
    {'ip': SrcIp, 'port': SrcPort, 'bytes': BytesSrcToDest, 'packets': PacketsSrcToDest} AS source,
    {'ip': DestIp, 'port': DestPort, 'bytes': BytesDestToSrc, 'packets': PacketsDestToSrc,
     'domain': DestDnsName} AS destination,
    {'transport': ${TRANSPORT}, 'iana_number': CAST(Protocol AS VARCHAR), 'direction': lower(FlowDirection),
     'bytes': coalesce(BytesSrcToDest, 0) + coalesce(BytesDestToSrc, 0),
     'packets': coalesce(PacketsSrcToDest, 0) + coalesce(PacketsDestToSrc, 0)} AS network,
    {'name': AclRule} AS rule,
    {'mac': [array_to_string(list_transform(range(1, length(MacAddress), 2), i -> substr(MacAddress, i, 2)), '-')],
     'vendor': 'Microsoft', 'product': 'Azure VNet flow logs', 'type': 'virtual-network'} AS observer,
    {'provider': 'azure'} AS cloud,
    {'ip': list_distinct([SrcIp, DestIp])} AS related,
    {'flow': {'state': State, 'tuples': Tuples, 'flow_type': FlowType, 'src_vm': SrcVm, 'dest_vm': DestVm}} AS vnetflow
  FROM Flows WHERE ${where} ORDER BY FlowStartTime`;
}

/** Connections (Flows) as OCSF Network Activity with start, end and duration. */
function ocsfFlows(where: string): string {
  const activity = `CASE State WHEN 'denied' THEN 5 WHEN 'open' THEN 1 ELSE 2 END`;
  return `SELECT ${activity} AS activity_id,
    CASE State WHEN 'denied' THEN 'Refuse' WHEN 'open' THEN 'Open' ELSE 'Close' END AS activity_name,
    4 AS category_uid, 'Network Activity' AS category_name, 4001 AS class_uid, 'Network Activity' AS class_name,
    400100 + ${activity} AS type_uid,
    'Network Activity: ' || CASE State WHEN 'denied' THEN 'Refuse' WHEN 'open' THEN 'Open' ELSE 'Close' END AS type_name,
    1 AS severity_id, 'Informational' AS severity, ${ms('FlowStartTime')} AS time,
    ${ms('FlowStartTime')} AS start_time, ${ms('FlowEndTime')} AS end_time,
    CAST(round(DurationSeconds * 1000) AS BIGINT) AS duration, CAST(Tuples AS INTEGER) AS count,
    ${OCSF_METADATA_SQL} AS metadata, {'provider': 'Azure'} AS cloud,
    {'ip': SrcIp, 'port': SrcPort, 'name': SrcVm} AS src_endpoint,
    {'ip': DestIp, 'port': DestPort, 'name': DestVm, 'hostname': DestDnsName} AS dst_endpoint,
    {'direction_id': ${OCSF_DIRECTION_ID},
     'direction': FlowDirection, 'protocol_num': Protocol, 'protocol_name': ${TRANSPORT}} AS connection_info,
    ${OCSF_TRAFFIC},
    ${ocsfVerdict(`CASE State WHEN 'denied' THEN 'Denied' ELSE 'Allowed' END`)},
    {'name': AclRule} AS firewall_rule,
    {'State': State, 'FlowType': FlowType, 'MacAddress': MacAddress} AS unmapped
  FROM Flows WHERE ${where} ORDER BY FlowStartTime`;
}

/** Traffic Analytics rows as ECS network events: one per interval and flow group, with its counts. */
function ecsNta(where: string): string {
  return `SELECT ${iso('TimeGenerated')} AS "@timestamp", {'version': '${ECS_VERSION}'} AS ecs,
    {'kind': 'event', 'category': ['network'], 'type': ['connection', lower(FlowStatus)],
     'action': lower(FlowStatus), 'outcome': CASE WHEN FlowStatus = 'Denied' THEN 'failure' ELSE 'success' END,
     'start': ${iso('FlowStartTime')}, 'end': ${iso('FlowEndTime')},
     'module': 'azure', 'dataset': 'azure.traffic_analytics'} AS event,
    {'ip': SrcIp, 'bytes': BytesSrcToDest, 'packets': PacketsSrcToDest} AS source,
    {'ip': DestIp, 'port': DestPort, 'bytes': BytesDestToSrc, 'packets': PacketsDestToSrc} AS destination,
    {'transport': ${L4_TRANSPORT}, 'protocol': lower(L7Protocol), 'direction': lower(FlowDirection),
     'bytes': coalesce(BytesSrcToDest, 0) + coalesce(BytesDestToSrc, 0),
     'packets': coalesce(PacketsSrcToDest, 0) + coalesce(PacketsDestToSrc, 0)} AS network,
    {'name': AclRule, 'ruleset': AclGroup} AS rule,
    {'provider': 'azure', 'account': {'id': coalesce(SrcSubscription, DestSubscription)},
     'region': coalesce(SrcRegion, DestRegion)} AS cloud,
    {'ip': list_distinct([SrcIp, DestIp])} AS related,
    {'traffic_analytics': {'flow_type': FlowType, 'interval_start': ${iso('FlowIntervalStartTime')},
     'allowed_in_flows': AllowedInFlows, 'denied_in_flows': DeniedInFlows, 'allowed_out_flows': AllowedOutFlows,
     'denied_out_flows': DeniedOutFlows, 'completed_flows': CompletedFlows, 'src_vm': SrcVm, 'dest_vm': DestVm,
     'src_subnet': SrcSubnet, 'dest_subnet': DestSubnet, 'country': Country,
     'target_resource_id': TargetResourceId}} AS azure
  FROM NTANetAnalytics WHERE ${where} ORDER BY TimeGenerated`;
}

/** Traffic Analytics rows as OCSF Network Activity (activity 6, Traffic), the flow count in `count`. */
function ocsfNta(where: string): string {
  return `SELECT 6 AS activity_id, 'Traffic' AS activity_name, 4 AS category_uid, 'Network Activity' AS category_name,
    4001 AS class_uid, 'Network Activity' AS class_name, 400106 AS type_uid, 'Network Activity: Traffic' AS type_name,
    1 AS severity_id, 'Informational' AS severity, ${ms('TimeGenerated')} AS time,
    ${ms('FlowStartTime')} AS start_time, ${ms('FlowEndTime')} AS end_time,
    CAST(coalesce(AllowedInFlows, 0) + coalesce(DeniedInFlows, 0) + coalesce(AllowedOutFlows, 0) + coalesce(DeniedOutFlows, 0) AS INTEGER) AS count,
    ${OCSF_METADATA_SQL} AS metadata,
    {'provider': 'Azure', 'region': coalesce(SrcRegion, DestRegion), 'account': {'uid': coalesce(SrcSubscription, DestSubscription)}} AS cloud,
    {'ip': SrcIp, 'name': SrcVm} AS src_endpoint,
    {'ip': DestIp, 'port': DestPort, 'name': DestVm} AS dst_endpoint,
    {'direction_id': ${OCSF_DIRECTION_ID},
     'direction': FlowDirection, 'protocol_name': ${L4_TRANSPORT}} AS connection_info,
    ${OCSF_TRAFFIC},
    ${ocsfVerdict('FlowStatus')},
    {'name': AclRule, 'uid': AclGroup} AS firewall_rule,
    {'FlowType': FlowType, 'L7Protocol': L7Protocol, 'CompletedFlows': CompletedFlows,
     'FlowIntervalStartTime': ${ms('FlowIntervalStartTime')}, 'TargetResourceId': TargetResourceId} AS unmapped
  FROM NTANetAnalytics WHERE ${where} ORDER BY TimeGenerated`;
}

const SEVERITY_ID = `CASE Severity WHEN 'Informational' THEN 1 WHEN 'Low' THEN 2 WHEN 'Medium' THEN 3 WHEN 'High' THEN 4 ELSE 0 END`;
const alertsIn = (where: string): string => `FROM Alerts WHERE ${where} ORDER BY TimeGenerated, AlertId`;
const strings = (c: string): string => `from_json(${c}, '["VARCHAR"]')`;

/** Alerts as ECS 8.x alert events. */
function ecsAlerts(where: string): string {
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
  ${alertsIn(where)}`;
}

/** Alerts as OCSF Detection Finding (class 2004) events. */
function ocsfAlerts(where: string): string {
  return `SELECT 1 AS activity_id, 'Create' AS activity_name, 2 AS category_uid, 'Findings' AS category_name,
    2004 AS class_uid, 'Detection Finding' AS class_name, 200401 AS type_uid, 'Detection Finding: Create' AS type_name,
    ${SEVERITY_ID} AS severity_id, Severity AS severity, ${ms('TimeGenerated')} AS time, Description AS message,
    ${OCSF_METADATA_SQL} AS metadata,
    {'provider': 'Azure'} AS cloud, 0 AS action_id, 'Unknown' AS action, 1 AS status_id, 'New' AS status,
    {'uid': AlertId, 'title': RuleName, 'desc': Description, 'first_seen_time': ${ms('StartTime')}, 'last_seen_time': ${ms('EndTime')},
     'analytic': {'uid': RuleId, 'name': RuleName, 'type_id': 1, 'type': 'Rule'},
     'attacks': list_transform(${strings('Techniques')}, x -> {'technique': {'uid': x}}),
     'src_url': NULL::VARCHAR} AS finding_info,
    {'SrcIps': ${strings('SrcIps')}, 'DestIps': ${strings('DestIps')}, 'DestPorts': from_json(DestPorts, '["BIGINT"]'),
     'Evidence': Evidence, 'EvidenceCount': EvidenceCount, 'Tactics': ${strings('Tactics')}} AS unmapped
  ${alertsIn(where)}`;
}

/**
 * Flow tuples as the FlowLogFlowEvent records Azure writes (flow log version 4), one record per
 * line: the tuples of one record (same record time, NIC, flow log and target) regrouped by ACL
 * and rule, each tuple in Azure's comma-separated form. Legacy NSG tuples come out in the same
 * v4 shape, with their flowLogVersion kept.
 */
function rawTuples(where: string): string {
  const counter = (c: string): string => `coalesce(CAST(${c} AS VARCHAR), '')`;
  const tuple = `concat_ws(',', CAST(epoch_ms(TimeGenerated) AS VARCHAR), SrcIp, DestIp, CAST(SrcPort AS VARCHAR),
    CAST(DestPort AS VARCHAR), CAST(Protocol AS VARCHAR), CASE FlowDirection WHEN 'Inbound' THEN 'I' ELSE 'O' END, FlowState,
    coalesce(FlowEncryption, ''), ${counter('PacketsSrcToDest')}, ${counter('BytesSrcToDest')}, ${counter('PacketsDestToSrc')},
    ${counter('BytesDestToSrc')})`;
  return `WITH t AS (SELECT * FROM FlowTuples WHERE ${where}),
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

const SELECTS: Record<ExportFormat, Partial<Record<ExportTable, (where: string) => string>>> = {
  ecs: { FlowTuples: ecsTuples, Flows: ecsFlows, NTANetAnalytics: ecsNta, Alerts: ecsAlerts },
  ocsf: { FlowTuples: ocsfTuples, Flows: ocsfFlows, NTANetAnalytics: ocsfNta, Alerts: ocsfAlerts },
  raw: { FlowTuples: rawTuples },
};

/** The selects that yield one column, the event's JSON text. */
const TEXT_EVENTS = new Set<(where: string) => string>([ecsTuples, ocsfTuples]);

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
 * range is on the tuple's time (TimeGenerated), the record's for raw records, and the raising
 * run's for alerts. The path comes from the local command line, quoted as a SQL literal.
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
  const column = o.format === 'raw' ? 'RecordTime' : o.table === 'Flows' ? 'FlowStartTime' : 'TimeGenerated';
  return copyEvents(store, o.format, o.table, timeFilter(column, o.from, o.to), o.path, o.gzip);
}

/** COPY of the events of the table's rows that `where` (SQL over the table's columns) keeps. */
async function copyEvents(
  store: Store,
  format: ExportFormat,
  table: ExportTable,
  where: string,
  path: string,
  gzip: boolean,
): Promise<number> {
  const select = SELECTS[format][table];
  if (!select) throw new Error(`${format} export of ${table} is not available`);
  // Events built as text (json-text.ts) are written as lines; the others by the JSON writer.
  const format_ = TEXT_EVENTS.has(select) ? LINES_COPY : 'FORMAT JSON';
  const options = gzip ? `${format_}, COMPRESSION gzip` : format_;
  return store.run(`COPY (${select(where)}) TO ${sqlString(path)} (${options})`);
}

/**
 * Where `vnetflow forward` has read a table up to. Stored rows never change once committed:
 * flow tuples are appended an ingest batch at a time (IngestBatch grows), alerts one detect run
 * at a time (Seq grows), so a position is a total order over what has been read.
 */
export type ForwardCursor =
  | { readonly table: 'FlowTuples'; readonly batch: number; readonly before: number }
  | { readonly table: 'Alerts'; readonly seq: number };

/** A span of rows to forward: what selects them and the cursor once they are read. */
export interface ForwardChunk {
  readonly key: string;
  readonly where: string;
  readonly rows: number;
  readonly after: ForwardCursor;
}

/**
 * The next chunks past the cursor, in order, each of about `target` rows (alerts: the next chunk
 * only; flow tuples: all of them, listed from one count per minute). Flow tuples are cut at whole
 * minutes of one ingest batch, so that a chunk is the same rows whenever it is read again;
 * `from` leaves out rows of earlier times (flow tuples: TimeGenerated; alerts: their run).
 */
export async function forwardChunks(
  store: Store,
  cursor: ForwardCursor,
  from: Date | null,
  target: number,
): Promise<ForwardChunk[]> {
  const since = from ? ` AND TimeGenerated >= ${ts(from)}` : '';
  if (cursor.table === 'Alerts') {
    const rows = await store.rows(
      `SELECT Seq FROM Alerts WHERE Seq > ${cursor.seq}${since} ORDER BY Seq LIMIT ${Math.max(target, 1)}`,
    );
    if (rows.length === 0) return [];
    const last = Number(rows[rows.length - 1].Seq);
    return [
      {
        key: `alerts-${cursor.seq + 1}-${last}`,
        where: `Seq > ${cursor.seq} AND Seq <= ${last}${since}`,
        rows: rows.length,
        after: { table: 'Alerts', seq: last },
      },
    ];
  }
  const minutes = await store.rows(
    `SELECT IngestBatch AS b, epoch_ms(time_bucket(INTERVAL 1 MINUTE, TimeGenerated)) AS m, count(*) AS n
     FROM FlowTuples
     WHERE (IngestBatch > ${cursor.batch} OR (IngestBatch = ${cursor.batch} AND TimeGenerated >= epoch_ms(${cursor.before})::TIMESTAMP))${since}
     GROUP BY ALL ORDER BY b, m`,
  );
  const chunks: ForwardChunk[] = [];
  let i = 0;
  while (i < minutes.length) {
    const batch = Number(minutes[i].b);
    const start = Number(minutes[i].m);
    let rows = 0;
    let end = start;
    while (
      i < minutes.length &&
      Number(minutes[i].b) === batch &&
      (rows === 0 || rows + Number(minutes[i].n) <= target)
    ) {
      rows += Number(minutes[i].n);
      end = Number(minutes[i].m) + 60_000;
      i++;
    }
    chunks.push({
      key: `tuples-${batch}-${start}`,
      where: `IngestBatch = ${batch} AND TimeGenerated >= epoch_ms(${start})::TIMESTAMP AND TimeGenerated < epoch_ms(${end})::TIMESTAMP${since}`,
      rows,
      after: { table: 'FlowTuples', batch, before: end },
    });
  }
  return chunks;
}

/** The newest position of the table, to tell a checkpoint from a database that was replaced. */
export async function forwardEnd(store: Store, table: ForwardCursor['table']): Promise<number> {
  const sql =
    table === 'Alerts'
      ? // The sequence, not max(Seq): after detect --reset the table may hold no alerts at all.
        "SELECT coalesce((SELECT last_value FROM duckdb_sequences() WHERE sequence_name = '_vnetflow_alert_seq'), 0) AS n"
      : 'SELECT coalesce(max(IngestBatch), 0) AS n FROM FlowTuples';
  return Number((await store.rows(sql))[0].n);
}

/** Writes a chunk's events (ECS or OCSF) as NDJSON to `path`; returns how many. */
export function writeChunk(
  store: Store,
  format: 'ecs' | 'ocsf',
  chunk: ForwardChunk,
  path: string,
): Promise<number> {
  return copyEvents(store, format, chunk.after.table, chunk.where, path, false);
}
