import { l4Letter } from '../formats/sql-fragments.js';
import { ident } from '../schema/tables.js';
import { ntaIpDetails, ntaNetAnalytics } from '../schema/analytics-tables.js';
import type { Store } from '../store/store.js';
import { IP_CLASSES } from './ip-classes.js';
import { IP_LOOKUP } from './topology-index.js';
import { FLOW_GROUPS, FLOW_SOURCES, FLOW_TUPLE_ROWS } from '../store/duckdb/flow-tuples-layout.js';
import {
  beginsSql,
  denialsSql,
  endsSql,
  FLOW_ROWS,
  ipKeySql,
  sameKeySql,
} from '../store/duckdb/flows-layout.js';

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
const ENCRYPTION_WORDS = `CASE FlowEncryption WHEN 'X' THEN 'Encrypted' WHEN 'NX' THEN 'Unencrypted'
  WHEN 'NX_HW_NOT_SUPPORTED' THEN 'UnsupportedHardware' WHEN 'NX_SW_NOT_READY' THEN 'SoftwareNotReady'
  WHEN 'NX_NOT_ACCEPTED' THEN 'EncryptionDropped' WHEN 'NX_NOT_SUPPORTED' THEN 'NotSupported'
  WHEN 'NX_LOCAL_DST' THEN 'LocalDestination' WHEN 'NX_FALLBACK' THEN 'Fallback' ELSE FlowEncryption END`;

/** `<subscriptionId>/<resourceGroup>/<name>` from an ARM id, the shape seed queries split on. */
const shortId = (e: string): string =>
  `CASE WHEN ${e} IS NOT NULL THEN lower(regexp_extract(${e}, '/subscriptions/([^/]+)/', 1, 'i')) || '/' ||
    regexp_extract(${e}, '/resourcegroups/([^/]+)/', 1, 'i') || '/' || regexp_extract(${e}, '([^/]+)$', 1) END`;

/**
 * Rebuilds NTANetAnalytics and NTAIpDetails for the intervals starting in [from, to): deletes their
 * rows and inserts them again, so a rebuild is idempotent. `minutes` is the processing interval (60
 * or 10). Flows must be up to date for the window, built with the same interval (buildFlows), and
 * the address classes must cover it (classifyAddresses).
 */
export async function buildNetAnalytics(
  store: Store,
  from: string,
  to: string,
  minutes: number,
): Promise<number> {
  const interval = `INTERVAL '${minutes} minutes'`;
  const counters = ['PacketsSrcToDest', 'PacketsDestToSrc', 'BytesSrcToDest', 'BytesDestToSrc'];
  const window = `TimeGenerated >= TIMESTAMP '${from}' AND TimeGenerated < TIMESTAMP '${to}'`;
  const l7 = `CASE DestPort ${Object.entries(L7)
    .map(([p, n]) => `WHEN ${p} THEN '${n}'`)
    .join(' ')} ELSE 'unknown' END`;
  const side = (p: 'Src' | 'Dest', c: string): string => `${p === 'Src' ? 's' : 'd'}.${c}`;
  const pub = (p: 'Src' | 'Dest'): string =>
    `CASE WHEN ${side(p, 'Class')} IN ('AzurePublic', 'ExternalPublic', 'MaliciousFlow') THEN g.${p}Ip || '|' || Started || '|' ||
      CompletedFlows || '|' || PacketsSrcToDest || '|' || PacketsDestToSrc || '|' || BytesSrcToDest || '|' || BytesDestToSrc END`;
  // The side that is not in a VNet decides the flow type when the other one is.
  const other = `CASE WHEN s.Class = 'vnet' THEN d.Class ELSE s.Class END`;
  const flowType = `CASE WHEN s.Class = 'vnet' AND d.Class = 'vnet'
      THEN CASE WHEN s.VnetId = d.VnetId THEN 'IntraVNet' ELSE 'InterVNet' END
    WHEN s.Class = 'vnet' OR d.Class = 'vnet' THEN ${other}
    ELSE 'Unknown' END`;
  // A column of the side that is not in a VNet (the public one, for these columns).
  const outer = (c: string): string => `CASE WHEN s.Class = 'vnet' THEN d.${c} ELSE s.${c} END`;
  const columns = ntaNetAnalytics.columns.map((c) => ident(c.name)).join(', ');
  // NTA rows are summed from Flows' pieces (flows-layout.ts), built just before: one piece is the
  // tuples of one key (5-tuple, NIC and rule) in one interval, so pieces are to NTA rows what
  // distinct source ports are, and summing a million pieces costs a fraction of grouping two million
  // tuples with a distinct count. The few pieces that are not Summable (denied and allowed tuples
  // mixed, an encryption code outside the enum) are summed from their tuples, per source port. The
  // names (addresses, NIC, rule, target) are joined once per NTA row: strings in the grouping cost
  // more than the rest of it. A group can mix encryption codes: the last in enum order (X, NX,
  // then the NX_ failures) is shown, so a drop is never hidden behind an encrypted flow, and every
  // rebuild picks the same one. The target and flow log come from one of the group's files (the
  // same for one NIC, in practice), spelled out once per file.
  const pieceWindow = `Piece AND FlowStartTime >= TIMESTAMP '${from}' AND FlowStartTime < TIMESTAMP '${to}'`;
  return store.transaction(async () => {
    await store.run(
      `DELETE FROM NTANetAnalytics WHERE FlowIntervalStartTime >= TIMESTAMP '${from}' AND FlowIntervalStartTime < TIMESTAMP '${to}'`,
    );
    const [{ mixed }] = await store.rows(
      `SELECT count(*) AS mixed FROM ${FLOW_ROWS} WHERE ${pieceWindow} AND NOT Summable`,
    );
    const fromTuples =
      Number(mixed) === 0
        ? ''
        : `UNION ALL
        SELECT IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, FlowState = 'D', GroupKey, min(SourceKey),
          min(TimeGenerated), max(TimeGenerated), max(FlowEncryption), max(_encryption_other),
          count(*) FILTER (WHERE FlowState = 'B'), count(*) FILTER (WHERE FlowState = 'E'),
          ${counters.map((c) => `coalesce(sum(${c}), 0)::BIGINT`).join(', ')}
        FROM (SELECT *, time_bucket(${interval}, TimeGenerated) AS IntervalStart, ${ipKeySql('SrcIp')} AS SrcIpKey,
                ${ipKeySql('DestIp')} AS DestIpKey FROM ${FLOW_TUPLE_ROWS} WHERE ${window}) t
          SEMI JOIN (SELECT *, time_bucket(${interval}, FlowStartTime) AS IntervalStart FROM ${FLOW_ROWS}
                     WHERE ${pieceWindow} AND NOT Summable) m ON ${sameKeySql('m', 't')} AND m.IntervalStart = t.IntervalStart
        GROUP BY IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, FlowState = 'D', GroupKey, SrcPort`;
    const n = await store.run(`INSERT INTO NTANetAnalytics (${columns})
      WITH parts AS (
        SELECT time_bucket(${interval}, FlowStartTime) AS IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection,
          ${denialsSql('Marks')} > 0 AS Denied, GroupKey, SourceKey, FlowStartTime, FlowEndTime, FlowEncryption,
          NULL::VARCHAR AS EncryptionOther, ${beginsSql('Marks')} AS Started, ${endsSql('Marks')} AS Completed,
          ${counters.join(', ')}
        FROM ${FLOW_ROWS} WHERE ${pieceWindow} AND Summable
        ${fromTuples}),
      agg AS (
        SELECT IntervalStart, SrcIpKey, DestIpKey, DestPort, Protocol, FlowDirection, Denied, GroupKey,
          min(SourceKey) AS SourceKey, min(FlowStartTime) AS FlowStartTime, max(FlowEndTime) AS FlowEndTime,
          max(FlowEncryption) AS FlowEncryption, max(EncryptionOther) AS EncryptionOther, count(*) AS Flows,
          sum(Started)::BIGINT AS Started, sum(Completed)::BIGINT AS CompletedFlows,
          ${counters.map((c) => `sum(${c})::BIGINT AS ${c}`).join(', ')}
        FROM parts GROUP BY ALL),
      g AS (
        SELECT agg.* EXCLUDE (FlowDirection, FlowEncryption), s.Ip AS SrcIp, d.Ip AS DestIp,
          FlowDirection::VARCHAR AS FlowDirection, CASE WHEN Denied THEN 'Denied' ELSE 'Allowed' END AS FlowStatus,
          coalesce(FlowEncryption::VARCHAR, EncryptionOther) AS FlowEncryption,
          ${l4Letter('agg.Protocol')} AS L4Protocol,
          grp.MacAddress, grp.AclId, grp.AclRule, src.TargetResourceId, src.TargetResourceType, src.FlowLogResourceId
        FROM agg LEFT JOIN ${FLOW_GROUPS} grp ON grp.GroupKey = agg.GroupKey
          LEFT JOIN (
            SELECT SourceKey, ${shortId('TargetResourceId')} AS TargetResourceId, FlowLogResourceId,
              CASE WHEN TargetResourceId ILIKE '%/subnets/%' THEN 'Subnet' WHEN TargetResourceId ILIKE '%/virtualnetworks/%' THEN 'VirtualNetwork'
                WHEN TargetResourceId ILIKE '%/networkinterfaces/%' THEN 'NetworkInterface'
                WHEN TargetResourceId ILIKE '%/networksecuritygroups/%' THEN 'NetworkSecurityGroup' END AS TargetResourceType
            FROM ${FLOW_SOURCES}) src ON src.SourceKey = agg.SourceKey
          LEFT JOIN ${IP_CLASSES} s ON s.IpKey = agg.SrcIpKey LEFT JOIN ${IP_CLASSES} d ON d.IpKey = agg.DestIpKey)
      SELECT g.IntervalStart + ${interval} AS TimeGenerated, now()::TIMESTAMP AS TimeProcessed, 'FlowLog' AS SubType,
        '3' AS FaSchemaVersion, g.IntervalStart AS FlowIntervalStartTime, g.IntervalStart + ${interval} AS FlowIntervalEndTime,
        FlowStartTime, FlowEndTime, ${flowType} AS FlowType, g.SrcIp, g.DestIp, DestPort, L4Protocol, ${l7} AS L7Protocol,
        FlowDirection, FlowStatus, ${ENCRYPTION_WORDS} AS FlowEncryption, AclId AS AclGroup, AclRule,
        CASE WHEN FlowDirection = 'Inbound' AND FlowStatus = 'Allowed' THEN Flows ELSE 0 END AS AllowedInFlows,
        CASE WHEN FlowDirection = 'Inbound' AND FlowStatus = 'Denied' THEN Flows ELSE 0 END AS DeniedInFlows,
        CASE WHEN FlowDirection = 'Outbound' AND FlowStatus = 'Allowed' THEN Flows ELSE 0 END AS AllowedOutFlows,
        CASE WHEN FlowDirection = 'Outbound' AND FlowStatus = 'Denied' THEN Flows ELSE 0 END AS DeniedOutFlows,
        CompletedFlows, PacketsSrcToDest, PacketsDestToSrc, BytesSrcToDest, BytesDestToSrc,
        s.Subscription, d.Subscription, s.Region, d.Region, s.Nic, d.Nic, s.Vm, d.Vm, s.Subnet, d.Subnet,
        s.ApplicationGateway, d.ApplicationGateway, s.ExpressRouteCircuit, d.ExpressRouteCircuit,
        s.LoadBalancer, d.LoadBalancer, s.LocalNetworkGateway, d.LocalNetworkGateway,
        CASE WHEN s.Class = 'vnet' AND d.Class = 'vnet' AND s.VnetId <> d.VnetId THEN 'VNetPeering'
          ELSE coalesce(s.SiteConnectionType, d.SiteConnectionType) END AS ConnectionType,
        coalesce(s.SiteConnectionName, d.SiteConnectionName) AS ConnectionName,
        CASE WHEN s.Class = 'vnet' AND d.Class = 'vnet' AND s.VnetId <> d.VnetId
          THEN regexp_extract(s.VnetId, '([^/]+)$', 1) || ' ' || regexp_extract(d.VnetId, '([^/]+)$', 1) END AS ConnectingVnets,
        ${shortId('coalesce(d.PrivateEndpoint, s.PrivateEndpoint)')} AS PrivateEndpointResourceId,
        g.TargetResourceId, g.TargetResourceType,
        g.FlowLogResourceId, g.MacAddress,
        coalesce(cap.IpForwarding AND g.SrcIp <> cap.Ip AND g.DestIp <> cap.Ip, false) AS IsFlowCapturedAtUdrHop,
        CASE WHEN ${outer('Class')} IN ('ExternalPublic', 'MaliciousFlow') THEN ${outer('Country')} END AS Country,
        CASE WHEN ${outer('Class')} = 'AzurePublic' THEN coalesce(${outer('TagRegion')}, 'global') END AS AzureRegion,
        ${pub('Src')} AS SrcPublicIps, ${pub('Dest')} AS DestPublicIps
      FROM g LEFT JOIN ${IP_CLASSES} s ON s.IpKey = g.SrcIpKey LEFT JOIN ${IP_CLASSES} d ON d.IpKey = g.DestIpKey
        LEFT JOIN (SELECT MacAddress, min(Ip) AS Ip, bool_or(IpForwarding) AS IpForwarding FROM ${IP_LOOKUP}
                   WHERE MacAddress IS NOT NULL GROUP BY MacAddress) cap ON cap.MacAddress = g.MacAddress`);
    await buildIpDetails(store, from, to);
    return n;
  });
}

/**
 * NTAIpDetails: every public address of the rebuilt intervals, once per interval. Port is the port
 * most used with the address (the lowest on a tie, so every rebuild agrees).
 */
async function buildIpDetails(store: Store, from: string, to: string): Promise<void> {
  const columns = ntaIpDetails.columns.map((c) => ident(c.name)).join(', ');
  await store.run(
    `DELETE FROM NTAIpDetails WHERE FlowIntervalStartTime >= TIMESTAMP '${from}' AND FlowIntervalStartTime < TIMESTAMP '${to}'`,
  );
  await store.run(`INSERT INTO NTAIpDetails (${columns})
    WITH rows AS (
      SELECT FlowIntervalStartTime, FlowIntervalEndTime, SrcIp AS Ip, DestPort FROM NTANetAnalytics
        WHERE FlowIntervalStartTime >= TIMESTAMP '${from}' AND FlowIntervalStartTime < TIMESTAMP '${to}' AND SrcPublicIps IS NOT NULL
      UNION ALL
      SELECT FlowIntervalStartTime, FlowIntervalEndTime, DestIp, DestPort FROM NTANetAnalytics
        WHERE FlowIntervalStartTime >= TIMESTAMP '${from}' AND FlowIntervalStartTime < TIMESTAMP '${to}' AND DestPublicIps IS NOT NULL),
    seen AS (SELECT *, count(*) OVER (PARTITION BY FlowIntervalStartTime, Ip, DestPort) AS Uses FROM rows),
    dns AS (SELECT * FROM _ip_dns)
    SELECT s.FlowIntervalEndTime AS TimeGenerated, s.Ip, c.Class AS FlowType,
      CASE WHEN c.Class = 'AzurePublic' THEN coalesce(c.TagRegion, 'Global') ELSE c.Country END AS Location,
      CASE WHEN c.Class = 'AzurePublic' THEN coalesce(c.TagService, c.Tag) ELSE c.Owner END AS PublicIpDetails,
      c.ThreatType, c.ThreatDescription, dns.DnsDomain, NULL AS Url, arg_max(s.DestPort, s.Uses * 100000 - s.DestPort) AS Port,
      s.FlowIntervalStartTime, s.FlowIntervalEndTime
    FROM seen s JOIN ${IP_CLASSES} c ON c.Ip = s.Ip LEFT JOIN dns ON dns.Ip = s.Ip
    GROUP BY ALL`);
}
