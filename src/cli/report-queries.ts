import { SEED_000 } from './demo-seed-000.js';

/**
 * The demo's report: KQL that Azure users write (most of it from the seed documents: seed 001's
 * Traffic Analytics scenarios, seed 000's DNS-enriched hunting query), run by vnetflow's own
 * engine over the tables it just built. Where a seed query returns more rows than a terminal
 * shows, the report adds a `top` or a `project` after it and says so.
 */
export const REPORT: readonly { title: string; source: string; kql: string }[] = [
  {
    title: 'Tuples per hour',
    source: 'vnetflow',
    kql: `FlowTuples
| summarize Tuples = count(), Bytes = sum(BytesSrcToDest + BytesDestToSrc) by Hour = bin(TimeGenerated, 1h)
| sort by Hour asc`,
  },
  {
    title: 'Flow types (NTANetAnalytics, as Traffic Analytics classifies them)',
    source: 'vnetflow, after the FlowType table of seed 001',
    kql: `NTANetAnalytics
| summarize Rows = count(), AllowedFlows = sum(AllowedInFlows + AllowedOutFlows),
    DeniedFlows = sum(DeniedInFlows + DeniedOutFlows), Bytes = sum(BytesSrcToDest + BytesDestToSrc) by FlowType
| sort by Bytes desc`,
  },
  {
    title: 'Traffic between subnets, top 10',
    source: 'seed 001, scenario 3 (plus top 10)',
    kql: `NTANetAnalytics
| where SubType == 'FlowLog' and FaSchemaVersion == '3' and TimeGenerated > ago(60d)
| where isnotempty(SrcSubnet) and isnotempty(DestSubnet)
| summarize TotalBytes=sum(BytesSrcToDest + BytesDestToSrc) by SrcSubnet, DestSubnet,L4Protocol,DestPort
| top 10 by TotalBytes`,
  },
  {
    title: 'On-premises <-> Azure by direction',
    source: 'seed 001, scenario 4',
    kql: `let prefix1="10.4.0.0/16";
let prefix2="10.1.0.0/16";
NTANetAnalytics
| where SubType == 'FlowLog' and FaSchemaVersion == '3' and FlowStartTime > ago(24h)
| extend SrcIpIsInPrefix1 = ipv4_is_in_range(SrcIp, prefix1), SrcIpIsInPrefix2 = ipv4_is_in_range(SrcIp, prefix2)
| extend DestIpIsInPrefix1 = ipv4_is_in_range(DestIp, prefix1), DestIpIsInPrefix2 = ipv4_is_in_range(DestIp, prefix2)
| where (SrcIpIsInPrefix1 and DestIpIsInPrefix2) or (SrcIpIsInPrefix2 and DestIpIsInPrefix1)
| extend Direction = iff((SrcIpIsInPrefix1 and DestIpIsInPrefix2), "Onprem2Azure", "Azure2Onprem")
| summarize TotalBytesSrcToDest=sum(BytesSrcToDest), TotalBytesDestTosrc=sum(BytesDestToSrc) by Direction
| render columnchart`,
  },
  {
    title: 'Top countries of internet peers',
    source: 'vnetflow, after seed 000 (public IPs from the list when DestIp is empty)',
    kql: `NTANetAnalytics
| where isnotempty(Country)
| extend Peer = iff(isnotempty(DestPublicIps), tostring(split(DestPublicIps, "|")[0]), tostring(split(SrcPublicIps, "|")[0]))
| summarize Addresses = dcount(Peer), Bytes = sum(BytesSrcToDest + BytesDestToSrc) by Country
| top 10 by Bytes`,
  },
  {
    title: 'Flows to malicious destinations, with the DNS names they were resolved from',
    source: "seed 000's hunting query, its own commented-out MaliciousFlow filter applied after it",
    kql: `${SEED_000}
| where FlowType == "MaliciousFlow"
| project TimeGenerated, Client, SrcIp, DestIp, DestPort, QueryNameSingle, FlowStatus, BytesSentMb, Location, count_
| top 10 by BytesSentMb`,
  },
  {
    title: 'Denied flows with the rule that denied them',
    source: 'vnetflow',
    kql: `NTANetAnalytics
| where FlowStatus == "Denied"
| summarize DeniedFlows = sum(DeniedInFlows + DeniedOutFlows), Sources = dcount(SrcIp)
    by DestPort, L7Protocol, AclRule, FlowType, FlowEncryption
| top 10 by DeniedFlows`,
  },
  {
    title: 'Top internet destinations: who owns them and what they are called',
    source: 'seed 001, scenario 1 (the NTAIpDetails join), for every VM',
    kql: `NTANetAnalytics
| where FlowDirection == "Outbound" and not(IsFlowCapturedAtUdrHop) and isnotempty(DestIp)
| join kind=inner (NTAIpDetails | summarize arg_max(TimeGenerated, *) by Ip) on $left.DestIp == $right.Ip
| summarize Sources = dcount(SrcIp), BytesSent = sum(BytesSrcToDest) by DestIp, PublicIpDetails, Location, DnsDomain
| top 10 by BytesSent`,
  },
];
