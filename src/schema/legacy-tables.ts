import { col, type Column, type ColumnType, type TableDef } from './column.js';

/** A column of the source side (1) and of the destination side (2). */
const sides = (name: string, suffix: string, type: ColumnType, doc: string): Column[] => [
  col(`${name}1${suffix}`, type, `${doc} of the source.`),
  col(`${name}2${suffix}`, type, `${doc} of the destination.`),
];

/**
 * AzureNetworkAnalytics_CL, the legacy Traffic Analytics table of NSG flow logs (FASchemaVersion
 * 2), as older queries, the Azure Monitor community NSG workbooks and Sentinel's TI map rule read
 * it: a view over NTANetAnalytics (SubType_s 'FlowLog' rows) and NTATopologyDetails (SubType_s
 * 'Topology' rows), named and spelled as that schema documents (`I`/`O`, `A`/`D`, counts as reals).
 * The deprecated one-sided columns (VMIP_s, VM_s, Subnet_s, PublicIPs_s, ...) are filled for the
 * flow types with one Azure side; SrcIP_s and DestIP_s are blank for AzurePublic and ExternalPublic
 * flows, as documented (the address is in PublicIPs_s).
 */
export const azureNetworkAnalytics: TableDef = {
  name: 'AzureNetworkAnalytics_CL',
  doc: 'Legacy Traffic Analytics rows (NSG flow log schema): flows, then topology.',
  columns: [
    col('TimeGenerated', 'TIMESTAMP', 'End of the processing interval (flows); load time (topology).'),
    col('SubType_s', 'VARCHAR', 'FlowLog or Topology.'),
    col('FASchemaVersion_s', 'VARCHAR', "'2'."),
    col('TimeProcessed_t', 'TIMESTAMP', 'When the row was built.'),
    col('FlowIntervalStartTime_t', 'TIMESTAMP', 'Start of the processing interval.'),
    col('FlowIntervalEndTime_t', 'TIMESTAMP', 'End of the processing interval.'),
    col('FlowStartTime_t', 'TIMESTAMP', 'First tuple of the group in the interval.'),
    col('FlowEndTime_t', 'TIMESTAMP', 'Last tuple of the group in the interval.'),
    col(
      'FlowType_s',
      'VARCHAR',
      'IntraVNet, InterVNet, S2S, P2S, AzurePublic, ExternalPublic, MaliciousFlow, ...',
    ),
    col('SrcIP_s', 'VARCHAR', 'Source address; blank for AzurePublic and ExternalPublic flows.'),
    col('DestIP_s', 'VARCHAR', 'Destination address; blank for AzurePublic and ExternalPublic flows.'),
    col('VMIP_s', 'VARCHAR', 'The Azure side address, for flows with one Azure side.'),
    col('DestPort_d', 'DOUBLE', 'Destination port.'),
    col('L4Protocol_s', 'VARCHAR', 'T or U (or the IANA number).'),
    col('L7Protocol_s', 'VARCHAR', 'Application protocol from the port.'),
    col('FlowDirection_s', 'VARCHAR', 'I (inbound) or O (outbound).'),
    col('FlowStatus_s', 'VARCHAR', 'A (allowed) or D (denied).'),
    col('NSGList_s', 'VARCHAR', 'The ACL as <subscriptionId>/<resourceGroup>/<name> (the flow log target).'),
    col('NSGRules_s', 'VARCHAR', '0|<rule>|<I/O>|<A/D>|<flows>.'),
    col('NSGRule_s', 'VARCHAR', 'The rule that matched.'),
    col('NSGRuleType_s', 'VARCHAR', "'Default' (DefaultRule_*) or 'User Defined'."),
    col('MACAddress_s', 'VARCHAR', 'The NIC that captured the flow.'),
    col('Subscription_g', 'VARCHAR', 'The Azure side subscription, for flows with one Azure side.'),
    ...sides('Subscription', '_g', 'VARCHAR', 'Subscription id'),
    col('Region_s', 'VARCHAR', 'The Azure side region, for flows with one Azure side.'),
    ...sides('Region', '_s', 'VARCHAR', 'Azure region'),
    col('NIC_s', 'VARCHAR', 'The Azure side NIC, for flows with one Azure side.'),
    ...sides('NIC', '_s', 'VARCHAR', 'NIC as <resourceGroup>/<name>'),
    col('VM_s', 'VARCHAR', 'The Azure side VM, for flows with one Azure side.'),
    ...sides('VM', '_s', 'VARCHAR', 'VM as <resourceGroup>/<name>'),
    col('Subnet_s', 'VARCHAR', 'The Azure side subnet, for flows with one Azure side.'),
    ...sides('Subnet', '_s', 'VARCHAR', 'Subnet as <resourceGroup>/<vnet>/<subnet>'),
    ...sides('ApplicationGateway', '_s', 'VARCHAR', 'Application gateway'),
    ...sides('ExpressRouteCircuit', '_s', 'VARCHAR', 'ExpressRoute circuit'),
    col('ExpressRouteCircuitPeeringType_s', 'VARCHAR', 'As NTANetAnalytics.ExpressRouteCircuitPeeringType.'),
    ...sides('LoadBalancer', '_s', 'VARCHAR', 'Load balancer'),
    ...sides('LocalNetworkGateway', '_s', 'VARCHAR', 'Local network gateway'),
    col('ConnectionType_s', 'VARCHAR', 'VNetPeering, VpnGateway or ExpressRoute.'),
    col('ConnectionName_s', 'VARCHAR', 'The connection.'),
    col('ConnectingVNets_s', 'VARCHAR', 'The VNets of a peering, space-separated.'),
    col('Country_s', 'VARCHAR', 'ISO-2 country of the public side (ExternalPublic, MaliciousFlow).'),
    col('AzureRegion_s', 'VARCHAR', 'Azure region of the public side (AzurePublic).'),
    col('AllowedInFlows_d', 'DOUBLE', 'Allowed inbound flows.'),
    col('DeniedInFlows_d', 'DOUBLE', 'Denied inbound flows.'),
    col('AllowedOutFlows_d', 'DOUBLE', 'Allowed outbound flows.'),
    col('DeniedOutFlows_d', 'DOUBLE', 'Denied outbound flows.'),
    col('FlowCount_d', 'DOUBLE', 'All four counts together (deprecated in Azure).'),
    col('InboundPackets_d', 'DOUBLE', 'Packets destination to source.'),
    col('OutboundPackets_d', 'DOUBLE', 'Packets source to destination.'),
    col('InboundBytes_d', 'DOUBLE', 'Bytes destination to source.'),
    col('OutboundBytes_d', 'DOUBLE', 'Bytes source to destination.'),
    col('CompletedFlows_d', 'DOUBLE', 'Flows that ended in the interval.'),
    col(
      'PublicIPs_s',
      'VARCHAR',
      'The public side entries (IP|started|ended|outPkts|inPkts|outBytes|inBytes ...).',
    ),
    col('SrcPublicIPs_s', 'VARCHAR', 'As NTANetAnalytics.SrcPublicIps.'),
    col('DestPublicIPs_s', 'VARCHAR', 'As NTANetAnalytics.DestPublicIps.'),
    col('IsFlowCapturedAtUDRHop_b', 'BOOLEAN', 'Captured on a NIC the flow was routed through.'),
    col('ResourceType', 'VARCHAR', 'Topology rows: the resource type (NetworkSecurityGroup, ...).'),
    col('Name_s', 'VARCHAR', 'Topology rows: <resourceGroup>/<name>.'),
    col('DiscoveryRegion_s', 'VARCHAR', 'Topology rows: the region it was found in.'),
    col('IsFlowEnabled_b', 'BOOLEAN', 'Topology rows: a flow log is enabled on it.'),
    col('FlowLogStorageAccount_s', 'VARCHAR', 'Topology rows: the storage account of its flow log.'),
    col('Computer', 'VARCHAR', 'Empty: no agent computer (Log Analytics fills it for agent data).'),
    col('SourceSystem', 'VARCHAR', "'Azure'."),
    col('TenantId', 'VARCHAR', 'Empty (no Log Analytics workspace).'),
    col('Type', 'VARCHAR', "'AzureNetworkAnalytics_CL'."),
  ],
};
