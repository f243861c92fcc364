import { azureRowColumns } from './azure-columns.js';
import type { TableDef } from './column.js';

/** DNSQueryLogs: one row per DNS query answered through an Azure DNS security policy. */
export const dnsQueryLogs: TableDef = {
  name: 'DNSQueryLogs',
  doc: 'One row per DNS query, as the Azure DNS security policy diagnostic logs record it.',
  columns: [
    { name: 'TimeGenerated', type: 'TIMESTAMP', doc: 'When the query was answered (UTC).' },
    { name: 'QueryName', type: 'VARCHAR', doc: 'The name asked for, with its trailing dot.' },
    { name: 'QueryType', type: 'VARCHAR', doc: 'A, AAAA, CNAME, ...' },
    { name: 'ResponseCode', type: 'INTEGER', doc: '0 NOERROR, 3 NXDOMAIN, ...' },
    {
      name: 'Answer',
      type: 'JSON',
      doc: 'The answers (dynamic): an array of objects with RData and Type; [] when there is none.',
    },
    { name: 'SourceIpAddress', type: 'VARCHAR', doc: 'The client that asked.' },
    { name: 'SourcePort', type: 'INTEGER', doc: "The client's port." },
    { name: 'Transport', type: 'VARCHAR', doc: 'UDP or TCP.' },
    { name: 'ResolutionPath', type: 'VARCHAR', doc: 'How the query was resolved.' },
    { name: 'ResolverPolicyId', type: 'VARCHAR', doc: 'The DNS security policy.' },
    { name: 'ResolverPolicyRuleAction', type: 'VARCHAR', doc: 'What the policy did (None, Block, ...).' },
    { name: 'VirtualNetworkId', type: 'VARCHAR', doc: 'The VNet the query came from.' },
    { name: 'Region', type: 'VARCHAR', doc: 'Azure region.' },
    { name: 'SourceUri', type: 'VARCHAR', doc: 'The file the row was read from.', internal: true },
    { name: 'AdditionalRecords', type: 'JSON', doc: 'Additional resource records (dynamic), as logged.' },
    { name: 'Authority', type: 'JSON', doc: 'Authority DNS servers (dynamic), as logged.' },
    {
      name: 'DestinationIpAddress',
      type: 'VARCHAR',
      doc: 'The instance the query was sent to (outbound endpoints).',
    },
    { name: 'DestinationPort', type: 'INTEGER', doc: 'The port it was sent to.' },
    {
      name: 'DnsForwardingRulesetDomain',
      type: 'VARCHAR',
      doc: 'The domain hit in a DNS forwarding ruleset.',
    },
    { name: 'DnsForwardingRulesetId', type: 'VARCHAR', doc: 'The forwarding ruleset hit.' },
    { name: 'OperationName', type: 'VARCHAR', doc: "The operation, as logged (the record's operationName)." },
    {
      name: 'PrivateResolverEndpointId',
      type: 'VARCHAR',
      doc: 'The resolver endpoint (inbound or outbound).',
    },
    { name: 'QueryClass', type: 'VARCHAR', doc: 'IN, ...' },
    { name: 'QueryResponseTime', type: 'INTEGER', doc: 'How long the resolution took, as logged.' },
    { name: 'ResolverPolicyDomainListId', type: 'VARCHAR', doc: 'The domain list hit.' },
    { name: 'Version', type: 'VARCHAR', doc: 'The version of the query log format.' },
    ...azureRowColumns('DNSQueryLogs'),
  ],
};

/**
 * ThreatIntelFeed: the threat feeds loaded, one row per indicator, in vnetflow's own plain shape
 * (what analytics and the built-in rules read). Sentinel's tables, ThreatIntelIndicators (STIX) and
 * ThreatIntelligenceIndicator (legacy), are views over it (sentinel-tables.ts).
 */
export const threatIntelFeed: TableDef = {
  name: 'ThreatIntelFeed',
  doc: 'One row per threat-intelligence indicator (IP, CIDR or domain), as loaded.',
  columns: [
    { name: 'Indicator', type: 'VARCHAR', doc: 'The IP address, CIDR range or domain name.' },
    { name: 'IndicatorType', type: 'VARCHAR', doc: 'ipv4, ipv6, cidr or domain.' },
    {
      name: 'ThreatType',
      type: 'VARCHAR',
      doc: 'Botnet, C2, CryptoMining, DarkNet, DDos, MaliciousUrl, Malware, Phishing, Proxy, PUA or WatchList.',
    },
    { name: 'Description', type: 'VARCHAR', doc: 'What the feed says about it.' },
    { name: 'Confidence', type: 'INTEGER', doc: '0..100, when the feed gives one.' },
    { name: 'Source', type: 'VARCHAR', doc: 'The feed (file) it came from.' },
    { name: 'ValidFrom', type: 'TIMESTAMP', doc: 'Start of validity (UTC), when given.' },
    { name: 'ValidUntil', type: 'TIMESTAMP', doc: 'End of validity (UTC), when given.' },
    {
      name: 'RangeStart',
      type: 'UBIGINT',
      doc: 'First IPv4 address as a number (IP indicators).',
      internal: true,
    },
    {
      name: 'RangeEnd',
      type: 'UBIGINT',
      doc: 'Last IPv4 address as a number (IP indicators).',
      internal: true,
    },
    { name: 'LoadedAt', type: 'TIMESTAMP', doc: 'When the feed was loaded (UTC).' },
  ],
};
