import { ntaNetAnalytics } from '../../schema/analytics-tables.js';
import { ident } from '../../schema/tables.js';
import { l4Letter } from '../../formats/sql-fragments.js';
import { FLOW_GROUPS } from './flow-tuples-layout.js';

/**
 * How NTANetAnalytics is stored in DuckDB: the contract is the NTANetAnalytics view. `_nta` keeps
 * per row only what the build computes (interval, times, address keys, port, protocol, direction,
 * denied or not, the keys of its NIC and rule and of its file, encryption, counts and counters);
 * the view joins the names and classes (`_ip_classes`, `_flow_groups`, `_nta_sources`, the NIC
 * facts of `_lk_ips`) and spells the values as Traffic Analytics does. Writing forty string
 * columns cost a build more than computing the rows: on 16k rows, 140 ms to write them and
 * checkpoint them against 15 ms for the numbers. An NTA row's names therefore always agree with
 * the address classes of the latest build, which a change of reference data rebuilds in full.
 */
export const NTA_ROWS = '_nta';
/** Per flow-log file: the target in the short shape seed queries split on, its type, the flow log. */
export const NTA_SOURCES = '_nta_sources';

/** The columns of `_nta`, in order. */
export const NTA_COLUMNS = `FlowIntervalStartTime, FlowIntervalEndTime, TimeProcessed, FlowStartTime, FlowEndTime,
  SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, Denied, GroupKey, SourceKey, FlowEncryption, EncryptionOther,
  Flows, Started, CompletedFlows, PacketsSrcToDest, PacketsDestToSrc, BytesSrcToDest, BytesDestToSrc`;

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
  SELECT SourceKey, ${shortId('TargetResourceId')},
    CASE WHEN TargetResourceId ILIKE '%/subnets/%' THEN 'Subnet' WHEN TargetResourceId ILIKE '%/virtualnetworks/%' THEN 'VirtualNetwork'
      WHEN TargetResourceId ILIKE '%/networkinterfaces/%' THEN 'NetworkInterface'
      WHEN TargetResourceId ILIKE '%/networksecuritygroups/%' THEN 'NetworkSecurityGroup' END,
    FlowLogResourceId
  FROM _flow_sources WHERE SourceKey NOT IN (SELECT SourceKey FROM ${NTA_SOURCES})`;

/**
 * Databases written before `_nta` hold NTANetAnalytics as a table. It is derived data: when this
 * query returns a row, dropping it (STALE_NTA_DROP_SQL) makes the next analytics build a full one.
 */
export const STALE_NTA_SQL = `SELECT 1 FROM duckdb_tables() WHERE table_name = '${ntaNetAnalytics.name}'
  AND database_name = current_database()`;

export const STALE_NTA_DROP_SQL = [
  `DROP TABLE IF EXISTS ${ident(ntaNetAnalytics.name)}`,
  "DELETE FROM _settings WHERE key LIKE 'analytics.%'",
];

export function ntaDdl(): string[] {
  const pick = (c: 'Src' | 'Dest'): string => (c === 'Src' ? 's' : 'd');
  // The side that is not in a VNet decides the flow type when the other one is.
  const flowType = `CASE WHEN s.Class = 'vnet' AND d.Class = 'vnet'
      THEN CASE WHEN s.VnetId = d.VnetId THEN 'IntraVNet' ELSE 'InterVNet' END
    WHEN s.Class = 'vnet' THEN d.Class WHEN d.Class = 'vnet' THEN s.Class
    ELSE 'Unknown' END`;
  // A column of the side that is not in a VNet (the public one, for these columns).
  const outer = (c: string): string => `CASE WHEN s.Class = 'vnet' THEN d.${c} ELSE s.${c} END`;
  const flows = (dir: string, denied: boolean): string =>
    `CASE WHEN n.FlowDirection = '${dir}' AND ${denied ? '' : 'NOT '}n.Denied THEN n.Flows ELSE 0 END`;
  const pub = (p: 'Src' | 'Dest'): string =>
    `CASE WHEN ${pick(p)}.Class IN ('AzurePublic', 'ExternalPublic', 'MaliciousFlow') THEN ${pick(p)}.Ip || '|' || n.Started || '|' ||
      n.CompletedFlows || '|' || n.PacketsSrcToDest || '|' || n.PacketsDestToSrc || '|' || n.BytesSrcToDest || '|' || n.BytesDestToSrc END`;
  const peered = `s.Class = 'vnet' AND d.Class = 'vnet' AND s.VnetId <> d.VnetId`;
  const view: Record<string, string> = {
    TimeGenerated: 'n.FlowIntervalEndTime',
    SubType: `'FlowLog'`,
    FaSchemaVersion: `'3'`,
    FlowType: flowType,
    SrcIp: 's.Ip',
    DestIp: 'd.Ip',
    L4Protocol: l4Letter('n.Protocol'),
    L7Protocol: `CASE n.DestPort ${Object.entries(L7)
      .map(([p, name]) => `WHEN ${p} THEN '${name}'`)
      .join(' ')} ELSE 'unknown' END`,
    FlowDirection: 'n.FlowDirection::VARCHAR',
    FlowStatus: `CASE WHEN n.Denied THEN 'Denied' ELSE 'Allowed' END`,
    FlowEncryption: encryptionWords('coalesce(n.FlowEncryption::VARCHAR, n.EncryptionOther)'),
    AclGroup: 'grp.AclId',
    AclRule: 'grp.AclRule',
    AllowedInFlows: flows('Inbound', false),
    DeniedInFlows: flows('Inbound', true),
    AllowedOutFlows: flows('Outbound', false),
    DeniedOutFlows: flows('Outbound', true),
    ConnectionType: `CASE WHEN ${peered} THEN 'VNetPeering' ELSE coalesce(s.SiteConnectionType, d.SiteConnectionType) END`,
    ConnectionName: 'coalesce(s.SiteConnectionName, d.SiteConnectionName)',
    ConnectingVnets: `CASE WHEN ${peered}
      THEN regexp_extract(s.VnetId, '([^/]+)$', 1) || ' ' || regexp_extract(d.VnetId, '([^/]+)$', 1) END`,
    PrivateEndpointResourceId: shortId('coalesce(d.PrivateEndpoint, s.PrivateEndpoint)'),
    TargetResourceId: 'src.TargetResourceId',
    TargetResourceType: 'src.TargetResourceType',
    FlowLogResourceId: 'src.FlowLogResourceId',
    MacAddress: 'grp.MacAddress',
    IsFlowCapturedAtUdrHop: 'coalesce(cap.IpForwarding AND s.Ip <> cap.Ip AND d.Ip <> cap.Ip, false)',
    Country: `CASE WHEN ${outer('Class')} IN ('ExternalPublic', 'MaliciousFlow') THEN ${outer('Country')} END`,
    AzureRegion: `CASE WHEN ${outer('Class')} = 'AzurePublic' THEN coalesce(${outer('TagRegion')}, 'global') END`,
    SrcPublicIps: pub('Src'),
    DestPublicIps: pub('Dest'),
  };
  // Src*/Dest* pairs of the address classes: SrcSubscription is s.Subscription, and so on.
  const pairs = [
    'Subscription',
    'Region',
    'Nic',
    'Vm',
    'Subnet',
    'ApplicationGateway',
    'ExpressRouteCircuit',
  ];
  for (const c of [...pairs, 'LoadBalancer', 'LocalNetworkGateway']) {
    view[`Src${c}`] = `s.${c}`;
    view[`Dest${c}`] = `d.${c}`;
  }
  const cols = ntaNetAnalytics.columns.map(
    (c) => `${view[c.name] ?? `n.${ident(c.name)}`} AS ${ident(c.name)}`,
  );
  return [
    `CREATE TABLE IF NOT EXISTS ${NTA_ROWS} (FlowIntervalStartTime TIMESTAMP, FlowIntervalEndTime TIMESTAMP,
      TimeProcessed TIMESTAMP, FlowStartTime TIMESTAMP, FlowEndTime TIMESTAMP, SrcIpKey UBIGINT, DestIpKey UBIGINT,
      DestPort INTEGER, Protocol SMALLINT, FlowDirection vnetflow_direction, Denied BOOLEAN, GroupKey UBIGINT,
      SourceKey UBIGINT, FlowEncryption vnetflow_encryption, EncryptionOther VARCHAR, Flows BIGINT, Started BIGINT,
      CompletedFlows BIGINT, PacketsSrcToDest BIGINT, PacketsDestToSrc BIGINT, BytesSrcToDest BIGINT, BytesDestToSrc BIGINT)`,
    `CREATE TABLE IF NOT EXISTS ${NTA_SOURCES} (SourceKey UBIGINT, TargetResourceId VARCHAR, TargetResourceType VARCHAR,
      FlowLogResourceId VARCHAR)`,
    `CREATE VIEW IF NOT EXISTS ${ident(ntaNetAnalytics.name)} AS SELECT ${cols.join(',\n  ')}
     FROM ${NTA_ROWS} n LEFT JOIN ${FLOW_GROUPS} grp ON grp.GroupKey = n.GroupKey
       LEFT JOIN ${NTA_SOURCES} src ON src.SourceKey = n.SourceKey
       LEFT JOIN _ip_classes s ON s.IpKey = n.SrcIpKey LEFT JOIN _ip_classes d ON d.IpKey = n.DestIpKey
       LEFT JOIN (SELECT MacAddress, min(Ip) AS Ip, bool_or(IpForwarding) AS IpForwarding FROM _lk_ips
                  WHERE MacAddress IS NOT NULL GROUP BY MacAddress) cap ON cap.MacAddress = grp.MacAddress`,
  ];
}
