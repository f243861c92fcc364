import type { TableDef } from '../../schema/column.js';
import { azureNetworkAnalytics } from '../../schema/legacy-tables.js';
import { threatIntelFeed } from '../../schema/reference-tables.js';
import { threatIntelIndicators, threatIntelligenceIndicator } from '../../schema/sentinel-tables.js';
import { ntaNetAnalytics, ntaTopologyDetails } from '../../schema/analytics-tables.js';
import { ident } from '../../schema/tables.js';

/**
 * The tables Azure has that vnetflow derives from its own, as views: Sentinel's threat-intel
 * tables over ThreatIntelFeed, the legacy Traffic Analytics table over NTANetAnalytics and
 * NTATopologyDetails. Each view's columns are its schema definition's, in order; a column the
 * data cannot fill is empty ('' for text, NULL otherwise), as Azure leaves it.
 */

/** A SELECT list for `table`: each column from `exprs`, else empty. */
function selectList(table: TableDef, exprs: Readonly<Record<string, string>>): string {
  return table.columns
    .map((c) => {
      const e = exprs[c.name] ?? c.default ?? (c.type === 'VARCHAR' ? "''" : `CAST(NULL AS ${c.type})`);
      return `${e} AS ${ident(c.name)}`;
    })
    .join(',\n    ');
}

/** A view from a SELECT list over a FROM clause. */
function view(table: TableDef, exprs: Readonly<Record<string, string>>, from: string): string {
  return `CREATE OR REPLACE VIEW ${ident(table.name)} AS SELECT\n    ${selectList(table, exprs)}\n  FROM ${from}`;
}

/** An indicator's feed rows with the STIX kind and a stable hash of (feed, indicator). */
const FEED = `(SELECT *,
    CASE WHEN IndicatorType = 'domain' THEN 'domain-name' WHEN contains(Indicator, ':') THEN 'ipv6-addr' ELSE 'ipv4-addr' END AS StixKind,
    md5(coalesce(Source, '') || '|' || Indicator) AS IdHash
  FROM ${ident(threatIntelFeed.name)}) f`;

/** STIX timestamps: ISO 8601 with milliseconds and Z. */
const stixTime = (e: string): string => `strftime(${e}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
const stixId = `'indicator--' || substr(IdHash, 1, 8) || '-' || substr(IdHash, 9, 4) || '-' || substr(IdHash, 13, 4) || '-' || substr(IdHash, 17, 4) || '-' || substr(IdHash, 21, 12)`;
const pattern = `'[' || StixKind || ':value = ''' || replace(Indicator, '''', '\\''') || ''']'`;
const tags = `CASE WHEN coalesce(ThreatType, '') = '' THEN '[]' ELSE to_json([ThreatType])::VARCHAR END`;

function threatIntelIndicatorsView(): string {
  return view(
    threatIntelIndicators,
    {
      TimeGenerated: 'LoadedAt',
      Id: stixId,
      ObservableKey: `StixKind || ':value'`,
      ObservableValue: 'Indicator',
      Pattern: pattern,
      Confidence: 'Confidence',
      Created: 'coalesce(ValidFrom, LoadedAt)',
      Modified: 'LoadedAt',
      ValidFrom: 'coalesce(ValidFrom, LoadedAt)',
      ValidUntil: 'ValidUntil',
      // Active unless revoked (feeds loaded here are not); expiry is ValidUntil's, as rules check it.
      IsActive: 'true',
      IsDeleted: 'false',
      Revoked: 'false',
      Source: 'Source',
      LastUpdateMethod: `'vnetflow'`,
      Tags: tags,
      AdditionalFields: `'{"TLPLevel":""}'::JSON`,
      Data: `json_object('type', 'indicator', 'spec_version', '2.1', 'id', ${stixId},
        'created', ${stixTime('coalesce(ValidFrom, LoadedAt)')}, 'modified', ${stixTime('LoadedAt')},
        'name', Indicator, 'description', coalesce(Description, ''), 'pattern', ${pattern}, 'pattern_type', 'stix',
        'valid_from', ${stixTime('coalesce(ValidFrom, LoadedAt)')}, 'valid_until', ${stixTime('ValidUntil')},
        'confidence', Confidence, 'labels', CASE WHEN coalesce(ThreatType, '') = '' THEN []::VARCHAR[] ELSE [ThreatType] END,
        'indicator_types', ['malicious-activity'])`,
    },
    FEED,
  );
}

function threatIntelligenceIndicatorView(): string {
  return view(
    threatIntelligenceIndicator,
    {
      TimeGenerated: 'LoadedAt',
      IndicatorId: 'upper(IdHash)',
      ExternalIndicatorId: 'Indicator',
      IndicatorProvider: 'Source',
      SourceSystem: `'vnetflow'`,
      Action: `'alert'`,
      Active: 'true',
      ConfidenceScore: 'Confidence::DOUBLE',
      Description: `coalesce(Description, '')`,
      // Sentinel's legacy indicators always had an expiry; one without a ValidUntil never expires.
      ExpirationDateTime: `coalesce(ValidUntil, TIMESTAMP '9999-12-31 00:00:00')`,
      ThreatType: `coalesce(ThreatType, '')`,
      Tags: tags,
      NetworkIP: `CASE WHEN IndicatorType IN ('ipv4', 'ipv6') THEN Indicator ELSE '' END`,
      NetworkCidrBlock: `CASE WHEN IndicatorType = 'cidr' THEN Indicator ELSE '' END`,
      DomainName: `CASE WHEN IndicatorType = 'domain' THEN Indicator ELSE '' END`,
      Type: `'${threatIntelligenceIndicator.name}'`,
    },
    FEED,
  );
}

/** Flow types with one Azure side, where the legacy schema fills its one-sided columns. */
const ONE_SIDED = `n.FlowType IN ('S2S', 'P2S', 'AzurePublic', 'ExternalPublic', 'MaliciousFlow', 'UnknownPrivate')`;
/** For a one-sided flow, the Azure side's column (the source when it is in a subnet). */
const azureSide = (c: string): string =>
  `CASE WHEN ${ONE_SIDED} THEN CASE WHEN coalesce(n.Src${c}, '') <> '' THEN n.Src${c} ELSE coalesce(n.Dest${c}, '') END ELSE '' END`;
const real = (e: string): string => `CAST(${e} AS DOUBLE)`;

function azureNetworkAnalyticsView(): string {
  const flowRows: Record<string, string> = {
    TimeGenerated: 'n.TimeGenerated',
    SubType_s: `'FlowLog'`,
    FASchemaVersion_s: `'2'`,
    TimeProcessed_t: 'n.TimeProcessed',
    FlowIntervalStartTime_t: 'n.FlowIntervalStartTime',
    FlowIntervalEndTime_t: 'n.FlowIntervalEndTime',
    FlowStartTime_t: 'n.FlowStartTime',
    FlowEndTime_t: 'n.FlowEndTime',
    FlowType_s: 'n.FlowType',
    // Blank in AzurePublic and ExternalPublic flows, as the legacy schema documents.
    SrcIP_s: `CASE WHEN n.FlowType IN ('AzurePublic', 'ExternalPublic') THEN '' ELSE n.SrcIp END`,
    DestIP_s: `CASE WHEN n.FlowType IN ('AzurePublic', 'ExternalPublic') THEN '' ELSE n.DestIp END`,
    VMIP_s: `CASE WHEN ${ONE_SIDED} THEN CASE WHEN coalesce(n.SrcSubnet, '') <> '' THEN n.SrcIp ELSE n.DestIp END ELSE '' END`,
    DestPort_d: real('n.DestPort'),
    L4Protocol_s: 'n.L4Protocol',
    L7Protocol_s: 'n.L7Protocol',
    FlowDirection_s: `CASE n.FlowDirection WHEN 'Inbound' THEN 'I' WHEN 'Outbound' THEN 'O' ELSE n.FlowDirection END`,
    FlowStatus_s: `CASE n.FlowStatus WHEN 'Allowed' THEN 'A' WHEN 'Denied' THEN 'D' ELSE n.FlowStatus END`,
    NSGList_s: `coalesce(n.TargetResourceId, '')`,
    NSGRules_s: `'0|' || coalesce(n.AclRule, '') || '|' || CASE n.FlowDirection WHEN 'Inbound' THEN 'I' ELSE 'O' END || '|' ||
      CASE n.FlowStatus WHEN 'Allowed' THEN 'A' ELSE 'D' END || '|' || (n.AllowedInFlows + n.DeniedInFlows + n.AllowedOutFlows + n.DeniedOutFlows)`,
    NSGRule_s: `coalesce(n.AclRule, '')`,
    NSGRuleType_s: `CASE WHEN starts_with(n.AclRule, 'DefaultRule_') THEN 'Default' ELSE 'User Defined' END`,
    MACAddress_s: 'n.MacAddress',
    Subscription_g: azureSide('Subscription'),
    Subscription1_g: 'n.SrcSubscription',
    Subscription2_g: 'n.DestSubscription',
    Region_s: azureSide('Region'),
    Region1_s: 'n.SrcRegion',
    Region2_s: 'n.DestRegion',
    NIC_s: azureSide('Nic'),
    NIC1_s: 'n.SrcNic',
    NIC2_s: 'n.DestNic',
    VM_s: azureSide('Vm'),
    VM1_s: 'n.SrcVm',
    VM2_s: 'n.DestVm',
    Subnet_s: azureSide('Subnet'),
    Subnet1_s: 'n.SrcSubnet',
    Subnet2_s: 'n.DestSubnet',
    ApplicationGateway1_s: 'n.SrcApplicationGateway',
    ApplicationGateway2_s: 'n.DestApplicationGateway',
    ExpressRouteCircuit1_s: 'n.SrcExpressRouteCircuit',
    ExpressRouteCircuit2_s: 'n.DestExpressRouteCircuit',
    ExpressRouteCircuitPeeringType_s: 'n.ExpressRouteCircuitPeeringType',
    LoadBalancer1_s: 'n.SrcLoadBalancer',
    LoadBalancer2_s: 'n.DestLoadBalancer',
    LocalNetworkGateway1_s: 'n.SrcLocalNetworkGateway',
    LocalNetworkGateway2_s: 'n.DestLocalNetworkGateway',
    ConnectionType_s: 'n.ConnectionType',
    ConnectionName_s: 'n.ConnectionName',
    ConnectingVNets_s: 'n.ConnectingVnets',
    Country_s: 'n.Country',
    AzureRegion_s: 'n.AzureRegion',
    AllowedInFlows_d: real('n.AllowedInFlows'),
    DeniedInFlows_d: real('n.DeniedInFlows'),
    AllowedOutFlows_d: real('n.AllowedOutFlows'),
    DeniedOutFlows_d: real('n.DeniedOutFlows'),
    FlowCount_d: real('n.AllowedInFlows + n.DeniedInFlows + n.AllowedOutFlows + n.DeniedOutFlows'),
    InboundPackets_d: real('n.PacketsDestToSrc'),
    OutboundPackets_d: real('n.PacketsSrcToDest'),
    InboundBytes_d: real('n.BytesDestToSrc'),
    OutboundBytes_d: real('n.BytesSrcToDest'),
    CompletedFlows_d: real('n.CompletedFlows'),
    PublicIPs_s: `CASE WHEN coalesce(n.SrcPublicIps, '') <> '' THEN n.SrcPublicIps ELSE coalesce(n.DestPublicIps, '') END`,
    SrcPublicIPs_s: 'n.SrcPublicIps',
    DestPublicIPs_s: 'n.DestPublicIps',
    IsFlowCapturedAtUDRHop_b: 'n.IsFlowCapturedAtUdrHop',
    SourceSystem: `'Azure'`,
    Type: `'${azureNetworkAnalytics.name}'`,
  };
  const topologyRows: Record<string, string> = {
    TimeGenerated: 't.TimeGenerated',
    SubType_s: `'Topology'`,
    FASchemaVersion_s: `'2'`,
    TimeProcessed_t: 't.TimeGenerated',
    ResourceType: 't.AzureResourceType',
    Name_s: 't.Name',
    Subscription_g: 't.Subscription',
    Region_s: 't.Region',
    DiscoveryRegion_s: 'coalesce(t.DiscoveryRegion, t.Region)',
    IsFlowEnabled_b: 't.IsFlowEnabled',
    FlowLogStorageAccount_s: 't.FlowLogStorageAccount',
    SourceSystem: `'Azure'`,
    Type: `'${azureNetworkAnalytics.name}'`,
  };
  return `CREATE OR REPLACE VIEW ${ident(azureNetworkAnalytics.name)} AS
  SELECT ${selectList(azureNetworkAnalytics, flowRows)} FROM ${ident(ntaNetAnalytics.name)} n
  UNION ALL
  SELECT ${selectList(azureNetworkAnalytics, topologyRows)} FROM ${ident(ntaTopologyDetails.name)} t`;
}

/** The views and their DDL, created after every table (they read several). */
export const AZURE_VIEWS: ReadonlyMap<TableDef, () => string> = new Map([
  [threatIntelIndicators, threatIntelIndicatorsView],
  [threatIntelligenceIndicator, threatIntelligenceIndicatorView],
  [azureNetworkAnalytics, azureNetworkAnalyticsView],
]);
