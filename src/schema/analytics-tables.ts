import type { Column, ColumnType, TableDef } from './column.js';

const col = (name: string, type: ColumnType, doc: string): Column => ({ name, type, doc });
/** The same column for the source and the destination side. */
const pair = (name: string, type: ColumnType, doc: string): Column[] => [
  col(`Src${name}`, type, `${doc} of the source.`),
  col(`Dest${name}`, type, `${doc} of the destination.`),
];

/**
 * NTANetAnalytics as Traffic Analytics writes it (FaSchemaVersion 3): one row per processing
 * interval and SrcIp, DestIp, DestPort, ACL, rule, direction, status, L4 protocol and capturing NIC.
 */
export const ntaNetAnalytics: TableDef = {
  name: 'NTANetAnalytics',
  doc: 'Traffic Analytics flow rows: one per interval and flow group, enriched.',
  columns: [
    col(
      'TimeGenerated',
      'TIMESTAMP',
      'End of the processing interval (UTC), as Traffic Analytics stamps it.',
    ),
    col('TimeProcessed', 'TIMESTAMP', 'When vnetflow built the row.'),
    col('SubType', 'VARCHAR', "'FlowLog'."),
    col('FaSchemaVersion', 'VARCHAR', "'3'."),
    col('FlowIntervalStartTime', 'TIMESTAMP', 'Start of the processing interval.'),
    col('FlowIntervalEndTime', 'TIMESTAMP', 'End of the processing interval.'),
    col('FlowStartTime', 'TIMESTAMP', 'First tuple of the group inside the interval.'),
    col('FlowEndTime', 'TIMESTAMP', 'Last tuple of the group inside the interval.'),
    col(
      'FlowType',
      'VARCHAR',
      'IntraVNet, InterVNet, S2S, P2S, AzurePublic, ExternalPublic, MaliciousFlow, UnknownPrivate or Unknown.',
    ),
    col('SrcIp', 'VARCHAR', 'Source address (filled for public addresses too).'),
    col('DestIp', 'VARCHAR', 'Destination address (filled for public addresses too).'),
    col('DestPort', 'INTEGER', 'Destination port.'),
    col('L4Protocol', 'VARCHAR', 'T, U, I or the IANA number.'),
    col('L7Protocol', 'VARCHAR', 'Application protocol guessed from the port (https, ssh, ...).'),
    col('FlowDirection', 'VARCHAR', 'Inbound or Outbound.'),
    col('FlowStatus', 'VARCHAR', 'Allowed or Denied.'),
    col('FlowEncryption', 'VARCHAR', 'Encrypted, Unencrypted, or why not (EncryptionDropped, ...).'),
    col('AclGroup', 'VARCHAR', "The ACL (the record's aclID for VNet flow logs)."),
    col('AclRule', 'VARCHAR', 'The rule that matched.'),
    col('AllowedInFlows', 'BIGINT', 'Allowed inbound flows.'),
    col('DeniedInFlows', 'BIGINT', 'Denied inbound flows.'),
    col('AllowedOutFlows', 'BIGINT', 'Allowed outbound flows.'),
    col('DeniedOutFlows', 'BIGINT', 'Denied outbound flows.'),
    col('CompletedFlows', 'BIGINT', 'Flows that ended (E tuples) in the interval.'),
    col('PacketsSrcToDest', 'BIGINT', 'Packets source to destination.'),
    col('PacketsDestToSrc', 'BIGINT', 'Packets destination to source.'),
    col('BytesSrcToDest', 'BIGINT', 'Bytes source to destination.'),
    col('BytesDestToSrc', 'BIGINT', 'Bytes destination to source.'),
    ...pair('Subscription', 'VARCHAR', 'Subscription id'),
    ...pair('Region', 'VARCHAR', 'Azure region'),
    ...pair('Nic', 'VARCHAR', 'NIC as <resourceGroup>/<name>'),
    ...pair('Vm', 'VARCHAR', 'VM (or App Service) as <resourceGroup>/<name>'),
    ...pair('Subnet', 'VARCHAR', 'Subnet as <resourceGroup>/<vnet>/<subnet>'),
    ...pair('ApplicationGateway', 'VARCHAR', 'Application gateway as <subscription>/<resourceGroup>/<name>'),
    ...pair(
      'ExpressRouteCircuit',
      'VARCHAR',
      'ExpressRoute circuit as <subscription>/<resourceGroup>/<name>',
    ),
    ...pair('LoadBalancer', 'VARCHAR', 'Load balancer as <subscription>/<resourceGroup>/<name>'),
    ...pair(
      'LocalNetworkGateway',
      'VARCHAR',
      'Local network gateway as <subscription>/<resourceGroup>/<name>',
    ),
    col('ConnectionType', 'VARCHAR', 'VNetPeering, VpnGateway or ExpressRoute.'),
    col('ConnectionName', 'VARCHAR', 'The connection or gateway, as <subscription>/<resourceGroup>/<name>.'),
    col('ConnectingVnets', 'VARCHAR', 'The two VNets of a peering, space-separated.'),
    col(
      'PrivateEndpointResourceId',
      'VARCHAR',
      'The private endpoint one side is, as <subscriptionId>/<resourceGroup>/<name>.',
    ),
    col('TargetResourceId', 'VARCHAR', 'The flow log target as <subscriptionId>/<resourceGroup>/<name>.'),
    col('TargetResourceType', 'VARCHAR', 'VirtualNetwork, Subnet, NetworkInterface or NetworkSecurityGroup.'),
    col('FlowLogResourceId', 'VARCHAR', 'The flow log resource.'),
    col('MacAddress', 'VARCHAR', 'The NIC that captured the flow.'),
    col(
      'IsFlowCapturedAtUdrHop',
      'BOOLEAN',
      'Captured on a firewall or NVA NIC the flow was routed through.',
    ),
    col('Country', 'VARCHAR', 'ISO-2 country of the public side (ExternalPublic, MaliciousFlow).'),
    col('AzureRegion', 'VARCHAR', 'Azure region of the public side (AzurePublic).'),
    col(
      'SrcPublicIps',
      'VARCHAR',
      'IP|FLOW_STARTED|FLOW_ENDED|OUT_PKTS|IN_PKTS|OUT_BYTES|IN_BYTES, for a public source.',
    ),
    col('DestPublicIps', 'VARCHAR', 'The same, for a public destination.'),
  ],
};

/** NTAIpDetails: one row per public address seen in an interval. */
export const ntaIpDetails: TableDef = {
  name: 'NTAIpDetails',
  doc: 'One row per public IP per processing interval, with who owns it and what threat intel says.',
  columns: [
    col('TimeGenerated', 'TIMESTAMP', 'End of the processing interval.'),
    col('Ip', 'VARCHAR', 'The public address.'),
    col('FlowType', 'VARCHAR', 'AzurePublic, ExternalPublic or MaliciousFlow.'),
    col('Location', 'VARCHAR', 'Azure region, Global, or ISO-2 country.'),
    col(
      'PublicIpDetails',
      'VARCHAR',
      'The Azure service (from the service tags), otherwise the network owner.',
    ),
    col('ThreatType', 'VARCHAR', 'From threat intel: C2, Botnet, ...'),
    col('ThreatDescription', 'VARCHAR', 'What the threat feed says.'),
    col('DnsDomain', 'VARCHAR', 'The name the address was resolved from (DNS query logs).'),
    col('Url', 'VARCHAR', 'Not known from flow logs (NULL).'),
    col('Port', 'INTEGER', 'The port most used with the address in the interval.'),
    col('FlowIntervalStartTime', 'TIMESTAMP', 'Start of the processing interval.'),
    col('FlowIntervalEndTime', 'TIMESTAMP', 'End of the processing interval.'),
  ],
};

/** NTATopologyDetails: one row per discovered resource (and per route of a route table). */
export const ntaTopologyDetails: TableDef = {
  name: 'NTATopologyDetails',
  doc: 'One row per Azure resource of the loaded topology; routes have a row each.',
  columns: [
    col('TimeGenerated', 'TIMESTAMP', 'When the topology was loaded.'),
    col(
      'AzureResourceType',
      'VARCHAR',
      'VirtualNetwork, Subnet, NetworkInterface, VirtualMachine, Route, ...',
    ),
    col('Name', 'VARCHAR', '<resourceGroup>/<name> (a route: <resourceGroup>/<routeTable>/<route>).'),
    col('ResourceId', 'VARCHAR', 'The ARM id.'),
    col('Region', 'VARCHAR', 'Azure region.'),
    col('Subscription', 'VARCHAR', 'Subscription id.'),
    col('AddressPrefixes', 'VARCHAR', 'Address prefixes (space-separated) of a VNet, subnet, route or site.'),
    col('Tags', 'VARCHAR', 'Resource tags (JSON).'),
    col('MacAddress', 'VARCHAR', 'A NIC: its MAC.'),
    col('PrivateIpAddresses', 'VARCHAR', 'A NIC: its private addresses (space-separated).'),
    col('VirtualMachine', 'VARCHAR', 'A NIC: its VM as <resourceGroup>/<name>.'),
    col('NextHopType', 'VARCHAR', 'A route: VirtualAppliance, VirtualNetworkGateway, Internet, ...'),
    col('NextHopIp', 'VARCHAR', 'A route: the next hop address.'),
  ],
};

/** Flows: stitched connections, one row per connection (B, C and E tuples of one 5-tuple on one NIC). */
export const flows: TableDef = {
  name: 'Flows',
  doc: 'One row per connection on one NIC, or per denied attempt.',
  columns: [
    col('FlowStartTime', 'TIMESTAMP', 'First tuple of the connection.'),
    col('FlowEndTime', 'TIMESTAMP', 'Last tuple of the connection.'),
    col('DurationSeconds', 'DOUBLE', 'FlowEndTime - FlowStartTime, in seconds.'),
    col('State', 'VARCHAR', 'open (no end seen yet), closed or denied.'),
    col('MacAddress', 'VARCHAR', 'The NIC that captured it.'),
    col('SrcIp', 'VARCHAR', 'Source address.'),
    col('SrcPort', 'INTEGER', 'Source port.'),
    col('DestIp', 'VARCHAR', 'Destination address.'),
    col('DestPort', 'INTEGER', 'Destination port.'),
    col('Protocol', 'SMALLINT', 'IANA protocol number.'),
    col('L4Protocol', 'VARCHAR', 'T, U, I or the number.'),
    col('FlowDirection', 'VARCHAR', 'Inbound or Outbound.'),
    col('AclRule', 'VARCHAR', 'The rule that matched.'),
    col('Tuples', 'BIGINT', 'How many tuples make up the connection.'),
    col('PacketsSrcToDest', 'BIGINT', 'Packets source to destination.'),
    col('BytesSrcToDest', 'BIGINT', 'Bytes source to destination.'),
    col('PacketsDestToSrc', 'BIGINT', 'Packets destination to source.'),
    col('BytesDestToSrc', 'BIGINT', 'Bytes destination to source.'),
    col('FlowType', 'VARCHAR', 'As in NTANetAnalytics.'),
    col('SrcVm', 'VARCHAR', 'Source VM as <resourceGroup>/<name>.'),
    col('DestVm', 'VARCHAR', 'Destination VM as <resourceGroup>/<name>.'),
    col('DestDnsName', 'VARCHAR', 'The name the destination was resolved from, when DNS logs say.'),
  ],
};
