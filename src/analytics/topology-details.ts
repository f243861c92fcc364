import { armName } from '../enrich/arm-id.js';
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
  for (const r of res) {
    const p = fields(JSON.parse(String(r.p)));
    const rg = String(r.ResourceGroup);
    const base = {
      TimeGenerated: String(r.LoadedAt),
      Region: r.Location,
      Subscription: r.SubscriptionId,
      Tags: String(r.tags),
    };
    const type = String(r.Type);
    const row: Record<string, unknown> = {
      ...base,
      AzureResourceType: TYPE_NAMES[type] ?? type,
      Name: `${rg}/${String(r.Name)}`,
      ResourceId: r.ResourceId,
    };
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
        });
      }
    }
    if (type === 'microsoft.network/networkinterfaces') {
      const configs = list(p.ipConfigurations).map((c) => fields(fields(c).properties));
      row.MacAddress = (text(p.macAddress) ?? '').replace(/[-:]/g, '').toUpperCase() || null;
      row.PrivateIpAddresses = configs
        .map((c) => text(c.privateIPAddress))
        .filter(Boolean)
        .join(' ');
      row.VirtualMachine = armName(text(fields(p.virtualMachine).id));
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
    if (type === 'microsoft.network/localnetworkgateways')
      row.AddressPrefixes = list(fields(p.localNetworkAddressSpace).addressPrefixes).join(' ');
    rows.push(row);
  }
  return replaceRows(store, 'NTATopologyDetails', 'topology', rows, { sourceColumn: null });
}
