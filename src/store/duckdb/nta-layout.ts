import { ntaNetAnalytics } from '../../schema/analytics-tables.js';
import { ident } from '../../schema/tables.js';
import { l4Letter } from '../../formats/sql-fragments.js';
import { FLOW_GROUPS } from './flow-tuples-layout.js';
import { SMALL_TEXT } from './flows-layout.js';

/**
 * How NTANetAnalytics is stored in DuckDB: the contract is the NTANetAnalytics view. `_nta` keeps
 * per row what the build computes (interval, times, port, protocol, direction, denied or not,
 * encryption, counts and counters), the public-IP lists (the strings queries filter and expand
 * most: built in the view they cost 16-19 ms a query on 24k rows) and DimKey, which names one row
 * of `_nta_dims`: everything a row says about its two addresses, its NIC and rule and its flow-log
 * target (FlowType, names, source and destination facts, connection, target), spelled out once. A
 * day of NTA rows (24k on the KQL benchmark's set) shares a few hundred of those. Storing the forty
 * string columns on every NTA row cost a build more than computing the rows (16k rows: 140 ms to
 * write and checkpoint them, 17 ms for the numbers). With one join, a read costs about twice a
 * plain table (on 24k rows: count 3.7-4 against under 1 ms, the KQL benchmark's mv-expand 7.5-9
 * against 4.6 ms), where joining the five tables the names come from cost five to seven times.
 * `_nta_dims` rows follow the address classes of the build that wrote them; a change of reference
 * data rebuilds both tables in full.
 */
export const NTA_ROWS = '_nta';
/** One row per distinct address pair, NIC and rule, and flow-log target: the strings of NTA rows. */
export const NTA_DIMS = '_nta_dims';
/** Per flow-log file: the target in the short shape seed queries split on, its type, the flow log. */
export const NTA_SOURCES = '_nta_sources';

/** The columns of `_nta`, in order. */
export const NTA_COLUMNS = `FlowIntervalStartTime, FlowIntervalEndTime, TimeProcessed, FlowStartTime, FlowEndTime,
  SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, Denied, GroupKey, SourceKey, DimKey, FlowEncryption, EncryptionOther,
  Flows, Started, CompletedFlows, PacketsSrcToDest, PacketsDestToSrc, BytesSrcToDest, BytesDestToSrc, SrcPublicIps, DestPublicIps`;

/** Application protocol by destination port, as Traffic Analytics names the common ones. */
const L7: Readonly<Record<number, string>> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'dns',
  67: 'dhcp',
  80: 'http',
  88: 'kerberos',
  110: 'pop3',
  123: 'ntp',
  135: 'msrpc',
  137: 'netbios-ns',
  139: 'netbios-ssn',
  143: 'imap',
  161: 'snmp',
  389: 'ldap',
  443: 'https',
  445: 'microsoft-ds',
  465: 'smtps',
  587: 'submission',
  636: 'ldaps',
  993: 'imaps',
  995: 'pop3s',
  1433: 'ms-sql-s',
  1521: 'oracle',
  3306: 'mysql',
  3389: 'ms-wbt-server',
  5432: 'postgresql',
  5671: 'amqps',
  5985: 'wsman',
  5986: 'wsmans',
  6379: 'redis',
  8080: 'http-alt',
  8443: 'https-alt',
  9092: 'kafka',
  27017: 'mongodb',
};

/** FlowEncryption in words, from the raw code of VNet flow logs. */
const encryptionWords = (
  e: string,
): string => `CASE ${e} WHEN 'X' THEN 'Encrypted' WHEN 'NX' THEN 'Unencrypted'
  WHEN 'NX_HW_NOT_SUPPORTED' THEN 'UnsupportedHardware' WHEN 'NX_SW_NOT_READY' THEN 'SoftwareNotReady'
  WHEN 'NX_NOT_ACCEPTED' THEN 'EncryptionDropped' WHEN 'NX_NOT_SUPPORTED' THEN 'NotSupported'
  WHEN 'NX_LOCAL_DST' THEN 'LocalDestination' WHEN 'NX_FALLBACK' THEN 'Fallback' ELSE ${e} END`;

/** `<subscriptionId>/<resourceGroup>/<name>` from an ARM id, the shape seed queries split on. */
const shortId = (e: string): string =>
  `CASE WHEN ${e} IS NOT NULL THEN lower(regexp_extract(${e}, '/subscriptions/([^/]+)/', 1, 'i')) || '/' ||
    regexp_extract(${e}, '/resourcegroups/([^/]+)/', 1, 'i') || '/' || regexp_extract(${e}, '([^/]+)$', 1) END`;

/** Fills `_nta_sources` for flow-log files it does not hold yet (one row per file, so cheap). */
export const NTA_SOURCES_FILL_SQL = `INSERT INTO ${NTA_SOURCES}
  SELECT SourceKey, hash(TargetResourceId, FlowLogResourceId), ${shortId('TargetResourceId')},
    CASE WHEN TargetResourceId ILIKE '%/subnets/%' THEN 'Subnet' WHEN TargetResourceId ILIKE '%/virtualnetworks/%' THEN 'VirtualNetwork'
      WHEN TargetResourceId ILIKE '%/networkinterfaces/%' THEN 'NetworkInterface'
      WHEN TargetResourceId ILIKE '%/networksecuritygroups/%' THEN 'NetworkSecurityGroup' END,
    FlowLogResourceId
  FROM _flow_sources WHERE SourceKey NOT IN (SELECT SourceKey FROM ${NTA_SOURCES})`;

/** An NTA row's DimKey: its NIC and rule, its two addresses and its flow-log target. */
export const dimKeySql = (group: string, src: string, dest: string, target: string): string =>
  `hash(${group}, ${src}, ${dest}, ${target})`;

/**
 * Databases written before `_nta` hold NTANetAnalytics as a table, and ones written by an earlier
 * shape of `_nta` lack its last column. It is all derived data: when this query returns a row,
 * dropping it (staleNtaDropSql) makes the next analytics build a full one.
 */
export const STALE_NTA_SQL = `SELECT table_type FROM information_schema.tables
  WHERE table_catalog = current_database() AND table_name = '${ntaNetAnalytics.name}'
    AND (table_type = 'BASE TABLE' OR NOT EXISTS (SELECT 1 FROM duckdb_columns() WHERE table_name = '${NTA_ROWS}'
      AND column_name = 'DestPublicIps' AND database_name = current_database()))`;

/** Drops what STALE_NTA_SQL found; `tableType` is what it returned. */
export function staleNtaDropSql(tableType: string): string[] {
  return [
    `DROP ${tableType === 'BASE TABLE' ? 'TABLE' : 'VIEW'} IF EXISTS ${ident(ntaNetAnalytics.name)}`,
    `DROP TABLE IF EXISTS ${NTA_ROWS}`,
    `DROP TABLE IF EXISTS ${NTA_DIMS}`,
    `DROP TABLE IF EXISTS ${NTA_SOURCES}`,
    "DELETE FROM _settings WHERE key LIKE 'analytics.%'",
  ];
}

/** What a `_nta_dims` row holds, column -> SQL over the address classes s and d, `grp`, `src`, `cap`. */
function dimExpressions(): [string, string][] {
  // The side that is not in a VNet decides the flow type when the other one is.
  const flowType = `CASE WHEN s.Class = 'vnet' AND d.Class = 'vnet'
      THEN CASE WHEN s.VnetId = d.VnetId THEN 'IntraVNet' ELSE 'InterVNet' END
    WHEN s.Class = 'vnet' THEN d.Class WHEN d.Class = 'vnet' THEN s.Class
    ELSE 'Unknown' END`;
  // A column of the side that is not in a VNet (the public one, for these columns).
  const outer = (c: string): string => `CASE WHEN s.Class = 'vnet' THEN d.${c} ELSE s.${c} END`;
  const peered = `s.Class = 'vnet' AND d.Class = 'vnet' AND s.VnetId <> d.VnetId`;
  const out: [string, string][] = [
    ['FlowType', flowType],
    ['SrcIp', 's.Ip'],
    ['DestIp', 'd.Ip'],
    ['AclGroup', 'grp.AclId'],
    ['AclRule', 'grp.AclRule'],
  ];
  const pairs = [
    'Subscription',
    'Region',
    'Nic',
    'Vm',
    'Subnet',
    'ApplicationGateway',
    'ExpressRouteCircuit',
  ];
  for (const c of [...pairs, 'LoadBalancer', 'LocalNetworkGateway'])
    out.push([`Src${c}`, `s.${c}`], [`Dest${c}`, `d.${c}`]);
  out.push(
    [
      'ConnectionType',
      `CASE WHEN ${peered} THEN 'VNetPeering' ELSE coalesce(s.SiteConnectionType, d.SiteConnectionType) END`,
    ],
    ['ConnectionName', 'coalesce(s.SiteConnectionName, d.SiteConnectionName)'],
    [
      'ConnectingVnets',
      `CASE WHEN ${peered} THEN regexp_extract(s.VnetId, '([^/]+)$', 1) || ' ' || regexp_extract(d.VnetId, '([^/]+)$', 1) END`,
    ],
    ['PrivateEndpointResourceId', shortId('coalesce(d.PrivateEndpoint, s.PrivateEndpoint)')],
    ['TargetResourceId', 'src.TargetResourceId'],
    ['TargetResourceType', 'src.TargetResourceType'],
    ['FlowLogResourceId', 'src.FlowLogResourceId'],
    ['MacAddress', 'grp.MacAddress'],
    ['IsFlowCapturedAtUdrHop', 'coalesce(cap.IpForwarding AND s.Ip <> cap.Ip AND d.Ip <> cap.Ip, false)'],
    [
      'Country',
      `CASE WHEN ${outer('Class')} IN ('ExternalPublic', 'MaliciousFlow') THEN ${outer('Country')} END`,
    ],
    [
      'AzureRegion',
      `CASE WHEN ${outer('Class')} = 'AzurePublic' THEN coalesce(${outer('TagRegion')}, 'global') END`,
    ],
  );
  return out;
}

/**
 * Adds the `_nta_dims` rows the `_nta` rows of [from, to) name and the table lacks, spelled out
 * from the address classes, NIC and rule groups, files and the NIC facts of `_lk_ips`.
 */
export function ntaDimsFillSql(from: string, to: string): string {
  const dims = dimExpressions();
  return `INSERT INTO ${NTA_DIMS} (DimKey, SrcIpKey, DestIpKey, ${dims.map(([c]) => c).join(', ')})
    SELECT k.DimKey, k.SrcIpKey, k.DestIpKey, ${dims.map(([, e]) => e).join(',\n      ')}
    FROM (SELECT DimKey, any_value(SrcIpKey) AS SrcIpKey, any_value(DestIpKey) AS DestIpKey, any_value(GroupKey) AS GroupKey,
            any_value(SourceKey) AS SourceKey FROM ${NTA_ROWS}
          WHERE FlowIntervalStartTime >= TIMESTAMP '${from}' AND FlowIntervalStartTime < TIMESTAMP '${to}'
            AND DimKey NOT IN (SELECT DimKey FROM ${NTA_DIMS})
          GROUP BY DimKey) k
      LEFT JOIN ${FLOW_GROUPS} grp ON grp.GroupKey = k.GroupKey
      LEFT JOIN ${NTA_SOURCES} src ON src.SourceKey = k.SourceKey
      LEFT JOIN _ip_classes s ON s.IpKey = k.SrcIpKey LEFT JOIN _ip_classes d ON d.IpKey = k.DestIpKey
      LEFT JOIN (SELECT MacAddress, min(Ip) AS Ip, bool_or(IpForwarding) AS IpForwarding FROM _lk_ips
                 WHERE MacAddress IS NOT NULL GROUP BY MacAddress) cap ON cap.MacAddress = grp.MacAddress`;
}

/** An NTANetAnalytics column Azure fills only for rows of NSG flow logs: `value` there, else empty. */
const nsg = (value: string): string =>
  `CASE WHEN d.TargetResourceType = 'NetworkSecurityGroup' THEN ${value} ELSE '' END`;

export function ntaDdl(): string[] {
  const dims = dimExpressions();
  const dimTypes: Record<string, string> = {
    IsFlowCapturedAtUdrHop: 'BOOLEAN',
  };
  const flows = (dir: string, denied: boolean): string =>
    `CASE WHEN n.FlowDirection = '${dir}' AND ${denied ? '' : 'NOT '}n.Denied THEN n.Flows ELSE 0 END`;
  const view: Record<string, string> = {
    TimeGenerated: 'n.FlowIntervalEndTime',
    SubType: `'FlowLog'`,
    FaSchemaVersion: `'3'`,
    L4Protocol: l4Letter('n.Protocol'),
    L7Protocol: `CASE n.DestPort ${Object.entries(L7)
      .map(([p, name]) => `WHEN ${p} THEN '${name}'`)
      .join(' ')} ELSE 'unknown' END`,
    FlowDirection: 'n.FlowDirection::VARCHAR',
    FlowStatus: `CASE WHEN n.Denied THEN 'Denied' ELSE 'Allowed' END`,
    FlowEncryption: encryptionWords('coalesce(n.FlowEncryption::VARCHAR, n.EncryptionOther)'),
    AllowedInFlows: flows('Inbound', false),
    DeniedInFlows: flows('Inbound', true),
    AllowedOutFlows: flows('Outbound', false),
    DeniedOutFlows: flows('Outbound', true),
    // Azure fills the Nsg* columns only for NSG flow logs, whose target is the NSG itself.
    NsgList: nsg('d.TargetResourceId'),
    NsgRule: nsg('d.AclRule'),
    NsgRuleType: nsg(
      `CASE WHEN starts_with(d.AclRule, 'DefaultRule_') THEN 'Default' ELSE 'User Defined' END`,
    ),
    // Private addresses reached through an ExpressRoute circuit travel over its private peering.
    ExpressRouteCircuitPeeringType: `CASE WHEN coalesce(d.SrcExpressRouteCircuit, d.DestExpressRouteCircuit, '') <> ''
      THEN 'AzurePrivatePeering' ELSE '' END`,
    Status: `''`,
    PrivateLinkResourceId: `''`,
    PrivateLinkResourceName: `''`,
  };
  for (const [c] of dims) view[c] ??= `d.${ident(c)}`;
  const cols = ntaNetAnalytics.columns.map(
    (c) => `${view[c.name] ?? c.default ?? `n.${ident(c.name)}`} AS ${ident(c.name)}`,
  );
  return [
    `CREATE TABLE IF NOT EXISTS ${NTA_ROWS} (FlowIntervalStartTime TIMESTAMP, FlowIntervalEndTime TIMESTAMP,
      TimeProcessed TIMESTAMP, FlowStartTime TIMESTAMP, FlowEndTime TIMESTAMP, SrcIpKey UBIGINT, DestIpKey UBIGINT,
      DestPort INTEGER, Protocol SMALLINT, FlowDirection vnetflow_direction, Denied BOOLEAN, GroupKey UBIGINT,
      SourceKey UBIGINT, DimKey UBIGINT, FlowEncryption vnetflow_encryption, EncryptionOther VARCHAR, Flows BIGINT,
      Started BIGINT, CompletedFlows BIGINT, PacketsSrcToDest BIGINT, PacketsDestToSrc BIGINT, BytesSrcToDest BIGINT,
      BytesDestToSrc BIGINT, SrcPublicIps VARCHAR, DestPublicIps VARCHAR)`,
    `CREATE TABLE IF NOT EXISTS ${NTA_DIMS} (DimKey UBIGINT, SrcIpKey UBIGINT, DestIpKey UBIGINT,
      ${dims.map(([c]) => `${ident(c)} ${dimTypes[c] ?? SMALL_TEXT}`).join(', ')})`,
    `CREATE TABLE IF NOT EXISTS ${NTA_SOURCES} (SourceKey UBIGINT, TargetKey UBIGINT, TargetResourceId VARCHAR,
      TargetResourceType VARCHAR, FlowLogResourceId VARCHAR)`,
    // Replaced on every open: a database written before a column was added gets it.
    `CREATE OR REPLACE VIEW ${ident(ntaNetAnalytics.name)} AS SELECT ${cols.join(',\n  ')}
     FROM ${NTA_ROWS} n JOIN ${NTA_DIMS} d ON d.DimKey = n.DimKey`,
  ];
}
