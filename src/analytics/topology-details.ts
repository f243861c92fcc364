import { armName, subnetName } from '../enrich/arm-id.js';
import { fields, list, text } from '../enrich/parse-json.js';
import { replaceRows } from '../enrich/replace-rows.js';
import type { Store } from '../store/store.js';

/** Traffic Analytics' resource type names, from ARM types. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  'microsoft.network/virtualnetworks': 'VirtualNetwork',
  'microsoft.network/networkinterfaces': 'NetworkInterface',
  'microsoft.compute/virtualmachines': 'VirtualMachine',
  'microsoft.network/networksecuritygroups': 'NetworkSecurityGroup',
  'microsoft.network/routetables': 'RouteTable',
  'microsoft.network/loadbalancers': 'LoadBalancer',
  'microsoft.network/applicationgateways': 'ApplicationGateway',
  'microsoft.network/publicipaddresses': 'PublicIpAddress',
  'microsoft.network/privateendpoints': 'PrivateEndpoint',
  'microsoft.network/virtualnetworkgateways': 'VirtualNetworkGateway',
  'microsoft.network/localnetworkgateways': 'LocalNetworkGateway',
  'microsoft.network/connections': 'Connection',
  'microsoft.network/expressroutecircuits': 'ExpressRouteCircuit',
  'microsoft.web/sites': 'AppService',
  'microsoft.network/networkwatchers/flowlogs': 'FlowLog',
};

/**
 * Rebuilds NTATopologyDetails from the loaded resources: a row per resource, plus a row per
 * subnet of a VNet and per route of a route table (Name `<rg>/<routeTable>/<route>`, as seed 001's
 * route query splits it), with the prefixes, next hops and NIC facts the seed queries use.
 */
export async function buildTopologyDetails(store: Store): Promise<number> {
  const res = await store.rows(
    `SELECT ResourceId, Type, Name, Location, SubscriptionId, ResourceGroup, Tags::VARCHAR AS tags,
       Properties::VARCHAR AS p, LoadedAt FROM _topology`,
  );
  const rows: Record<string, unknown>[] = [];
  const flowLogs = flowLogTargets(res);
  for (const r of res) {
    const p = fields(JSON.parse(String(r.p)));
    const rg = String(r.ResourceGroup);
    const base = {
      TimeGenerated: String(r.LoadedAt),
      TimeProcessed: String(r.LoadedAt),
      Region: r.Location,
      DiscoveryRegion: r.Location,
      Subscription: r.SubscriptionId,
      Tags: String(r.tags),
    };
    const type = String(r.Type);
    const row: Record<string, unknown> = {
      ...base,
      AzureResourceType: TYPE_NAMES[type] ?? type,
      Name: `${rg}/${String(r.Name)}`,
      ResourceId: r.ResourceId,
      Sku: text(fields(p.sku).name),
    };
    const flowLog = flowLogs.get(String(r.ResourceId).toLowerCase());
    if (flowLog) Object.assign(row, flowLog);
    if (type === 'microsoft.network/virtualnetworks') {
      row.AddressPrefixes = list(fields(p.addressSpace).addressPrefixes).join(' ');
      for (const s of list(p.subnets)) {
        const sp = fields(fields(s).properties);
        rows.push({
          ...base,
          AzureResourceType: 'Subnet',
          Name: `${rg}/${String(r.Name)}/${text(fields(s).name) ?? ''}`,
          ResourceId: text(fields(s).id),
          AddressPrefixes: [text(sp.addressPrefix), ...list(sp.addressPrefixes)].filter(Boolean).join(' '),
          Nsg: armName(text(fields(sp.networkSecurityGroup).id)),
          RouteTable: armName(text(fields(sp.routeTable).id)),
          ...flowLogs.get(String(text(fields(s).id)).toLowerCase()),
        });
      }
      for (const peering of list(p.virtualNetworkPeerings)) {
        const pp = fields(fields(peering).properties);
        rows.push({
          ...base,
          AzureResourceType: 'VirtualNetworkPeering',
          Name: `${rg}/${String(r.Name)}/${text(fields(peering).name) ?? ''}`,
          ResourceId: text(fields(peering).id),
          VirtualNetwork1: `${rg}/${String(r.Name)}`,
          VirtualNetwork2: armName(text(fields(pp.remoteVirtualNetwork).id)),
          AllowForwardedTraffic: flag(pp.allowForwardedTraffic),
          AllowGatewayTransit: flag(pp.allowGatewayTransit),
          AllowVirtualNetworkAccess: flag(pp.allowVirtualNetworkAccess),
          UseRemoteGateways: flag(pp.useRemoteGateways),
          State: text(pp.peeringState),
        });
      }
    }
    if (type === 'microsoft.network/networksecuritygroups') rows.push(...nsgRules(base, rg, r, p));
    if (type === 'microsoft.network/virtualnetworkgateways') {
      row.GatewayType = text(p.gatewayType);
      row.BgpEnabled = flag(p.enableBgp);
      row.VpnClientAddressPrefixes = list(
        fields(fields(p.vpnClientConfiguration).vpnClientAddressPool).addressPrefixes,
      ).join(' ');
    }
    if (type === 'microsoft.network/connections') {
      row.ConnectionType = text(p.connectionType);
      row.ConnectionStatus = text(p.connectionStatus);
      row.VirtualNetworkGateway1 = armName(text(fields(p.virtualNetworkGateway1).id));
      row.VirtualNetworkGateway2 = armName(text(fields(p.virtualNetworkGateway2).id));
      row.LocalNetworkGateway = armName(text(fields(p.localNetworkGateway2).id));
      row.RoutingWeight = typeof p.routingWeight === 'number' ? p.routingWeight : null;
      row.BgpEnabled = flag(p.enableBgp);
    }

    if (type === 'microsoft.network/networkinterfaces') {
      const configs = list(p.ipConfigurations).map((c) => fields(fields(c).properties));
      row.MacAddress = (text(p.macAddress) ?? '').replace(/[-:]/g, '').toUpperCase() || null;
      row.PrivateIpAddresses = configs
        .map((c) => text(c.privateIPAddress))
        .filter(Boolean)
        .join(' ');
      row.VirtualMachine = armName(text(fields(p.virtualMachine).id));
      row.EnableIpForwarding = flag(p.enableIPForwarding);
      row.IsVirtualAppliance = flag(p.enableIPForwarding);
      row.Nsg = armName(text(fields(p.networkSecurityGroup).id));
      row.Subnetwork = configs.map((c) => subnetName(text(fields(c.subnet).id))).find(Boolean) ?? null;
      row.PublicIpAddresses =
        configs
          .map((c) => armName(text(fields(c.publicIPAddress).id)))
          .filter(Boolean)
          .join(' ') || null;
    }
    if (type === 'microsoft.network/routetables') {
      for (const route of list(p.routes)) {
        const rp = fields(fields(route).properties);
        rows.push({
          ...base,
          AzureResourceType: 'Route',
          Name: `${rg}/${String(r.Name)}/${text(fields(route).name) ?? ''}`,
          ResourceId: `${String(r.ResourceId)}/routes/${text(fields(route).name) ?? ''}`,
          AddressPrefixes: text(rp.addressPrefix),
          NextHopType: text(rp.nextHopType),
          NextHopIp: text(rp.nextHopIpAddress),
        });
      }
    }
    if (type === 'microsoft.network/localnetworkgateways') {
      row.AddressPrefixes = list(fields(p.localNetworkAddressSpace).addressPrefixes).join(' ');
      row.SubnetPrefixes = row.AddressPrefixes;
      row.IpAddress = text(p.gatewayIpAddress);
    }
    rows.push(row);
  }
  return replaceRows(store, 'NTATopologyDetails', 'topology', rows, { sourceColumn: null });
}

/** A boolean property, or null when the resource does not say. */
function flag(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

/**
 * The flow logs of the loaded topology, by target resource id (lower case): what a target's
 * IsFlowEnabled and FlowLogStorageAccount say (the account as <subscriptionId>/<resourceGroup>/<name>,
 * the shape Microsoft's legacy blob-path query splits).
 */
function flowLogTargets(res: readonly Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const r of res) {
    if (String(r.Type) !== 'microsoft.network/networkwatchers/flowlogs') continue;
    const p = fields(JSON.parse(String(r.p)));
    const target = text(p.targetResourceId);
    if (!target) continue;
    const storage = text(p.storageId);
    const m = storage
      ? /\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/.*\/([^/]+)$/i.exec(storage)
      : null;
    out.set(target.toLowerCase(), {
      IsFlowEnabled: p.enabled !== false,
      FlowLogStorageAccount: m ? `${m[1]}/${m[2]}/${m[3]}` : null,
    });
  }
  return out;
}

/** An NSG's rules, its own and Azure's defaults, a row each (`<rg>/<nsg>/<rule>`). */
function nsgRules(
  base: Record<string, unknown>,
  rg: string,
  r: Record<string, unknown>,
  p: Record<string, unknown>,
): Record<string, unknown>[] {
  const joined = (one: unknown, many: unknown): string | null =>
    [text(one), ...list(many).map(text)].filter(Boolean).join(' ') || null;
  const rules = [
    ...list(p.securityRules).map((x) => ({ rule: fields(x), type: 'User Defined' })),
    ...list(p.defaultSecurityRules).map((x) => ({ rule: fields(x), type: 'Default' })),
  ];
  return rules.map(({ rule, type }) => {
    const rp = fields(rule.properties);
    return {
      ...base,
      AzureResourceType: 'NetworkSecurityGroupRule',
      Name: `${rg}/${String(r.Name)}/${text(rule.name) ?? ''}`,
      ResourceId: text(rule.id),
      Nsg: `${rg}/${String(r.Name)}`,
      RuleType: type,
      Access: text(rp.access),
      Direction: text(rp.direction),
      Priority: typeof rp.priority === 'number' ? rp.priority : null,
      Protocol: text(rp.protocol),
      Description: text(rp.description),
      SourceAddressPrefix: joined(rp.sourceAddressPrefix, rp.sourceAddressPrefixes),
      DestinationAddressPrefix: joined(rp.destinationAddressPrefix, rp.destinationAddressPrefixes),
      SourcePortRange: joined(rp.sourcePortRange, rp.sourcePortRanges),
      DestinationPortRange: joined(rp.destinationPortRange, rp.destinationPortRanges),
    };
  });
}
