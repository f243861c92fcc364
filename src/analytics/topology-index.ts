import { armName, subnetName } from '../enrich/arm-id.js';
import { fields, list, text } from '../enrich/parse-json.js';
import { ipv4Range, ipv4ToNumber, isPrivateIpv4 } from '../enrich/ip.js';
import { replaceRows } from '../enrich/replace-rows.js';
import type { Store } from '../store/store.js';

/**
 * Lookup tables built from the loaded ARM resources, for the set-based enrichment in SQL:
 * - `_lk_ips`: one row per known private address (NIC IP configurations, load balancer frontends
 *   and backends, App Service outbound addresses), with the names Traffic Analytics shows;
 * - `_lk_ranges`: address ranges with what they are: a subnet, a VNet's address space, an
 *   on-premises site (S2S over VPN or ExpressRoute), a point-to-site client pool.
 * The topology is small (thousands of resources), so the tables are built in Node from the JSON;
 * every flow is then matched in SQL by joins on these tables, never by JavaScript per row.
 */
interface Resource {
  readonly id: string;
  readonly type: string;
  readonly name: string;
  readonly location: string | null;
  readonly subscriptionId: string | null;
  readonly resourceGroup: string | null;
  readonly properties: Record<string, unknown>;
}

export const IP_LOOKUP = '_lk_ips';
export const RANGE_LOOKUP = '_lk_ranges';

const lower = (s: string | null | undefined): string => (s ?? '').toLowerCase();
const idOf = (v: unknown): string | null => text(fields(v).id);
/** `<subscriptionId>/<resourceGroup>/<name>`, as Traffic Analytics names gateways and balancers. */
const fullName = (r: Resource): string => `${r.subscriptionId}/${r.resourceGroup}/${r.name}`;
function vnetIdOf(subnetId: string | null): string | null {
  return subnetId ? lower(subnetId.replace(/\/subnets\/[^/]+$/i, '')) : null;
}
function mac(v: string | null): string | null {
  return v ? v.replace(/[-:]/g, '').toUpperCase() : null;
}

/** Rebuilds the lookup tables from `_topology`. Returns how many addresses and ranges it knows. */
export async function buildTopologyIndex(store: Store): Promise<{ ips: number; ranges: number }> {
  const rows = await store.rows(
    `SELECT Id, Type, Name, Location, SubscriptionId, ResourceGroup, Properties::VARCHAR AS p FROM _topology`,
  );
  const res: Resource[] = rows.map((r) => ({
    id: String(r.Id),
    type: String(r.Type),
    name: String(r.Name),
    location: r.Location === null ? null : String(r.Location),
    subscriptionId: r.SubscriptionId === null ? null : String(r.SubscriptionId),
    resourceGroup: r.ResourceGroup === null ? null : String(r.ResourceGroup),
    properties: fields(JSON.parse(String(r.p))),
  }));
  const byType = (t: string): Resource[] => res.filter((r) => r.type === t);
  const vms = new Map(byType('microsoft.compute/virtualmachines').map((v) => [v.id, v]));
  const ips = new Map<string, Record<string, unknown>>();
  const ranges: Record<string, unknown>[] = [];
  /** One range row per IPv4 prefix in `prefixes` (IPv6 ones are skipped), with the given facts. */
  const addRanges = (prefixes: unknown, facts: (prefix: string) => Record<string, unknown>): void => {
    for (const prefix of list(prefixes)) {
      if (typeof prefix !== 'string') continue;
      const r = ipv4Range(prefix);
      if (r) ranges.push({ RangeStart: r.start, RangeEnd: r.end, ...facts(prefix) });
    }
  };

  for (const v of byType('microsoft.network/virtualnetworks')) {
    const where = { VnetId: v.id, Subscription: v.subscriptionId, Region: v.location };
    addRanges(fields(v.properties.addressSpace).addressPrefixes, () => ({
      Kind: 'vnet',
      Name: `${v.resourceGroup}/${v.name}`,
      ...where,
    }));
    for (const s of list(v.properties.subnets)) {
      const sp = fields(fields(s).properties);
      addRanges([sp.addressPrefix, ...list(sp.addressPrefixes)], () => ({
        Kind: 'subnet',
        Name: `${v.resourceGroup}/${v.name}/${text(fields(s).name)}`,
        ...where,
      }));
    }
  }

  for (const nic of byType('microsoft.network/networkinterfaces')) {
    const vm = vms.get(lower(idOf(nic.properties.virtualMachine)));
    const vmRef = armName(idOf(nic.properties.virtualMachine));
    for (const c of list(nic.properties.ipConfigurations)) {
      const cp = fields(fields(c).properties);
      const ip = text(cp.privateIPAddress);
      if (!ip) continue;
      const subnetId = idOf(cp.subnet);
      ips.set(ip, {
        Ip: ip,
        IpNum: ipv4ToNumber(ip),
        MacAddress: mac(text(nic.properties.macAddress)),
        Nic: `${nic.resourceGroup}/${nic.name}`,
        Vm: vm ? `${vm.resourceGroup}/${vm.name}` : vmRef,
        Subnet: subnetName(subnetId),
        VnetId: vnetIdOf(subnetId),
        Subscription: nic.subscriptionId,
        Region: nic.location,
        IpForwarding: nic.properties.enableIPForwarding === true,
        PrivateEndpoint: idOf(nic.properties.privateEndpoint),
      });
    }
  }

  // Load balancers and application gateways: their frontend private addresses and backend members
  // carry the balancer's or gateway's name.
  const member = (ip: string | null, column: string, name: string): void => {
    if (!ip) return;
    const row = ips.get(ip) ?? { Ip: ip, IpNum: ipv4ToNumber(ip) };
    row[column] = name;
    ips.set(ip, row);
  };
  for (const lb of byType('microsoft.network/loadbalancers')) {
    for (const f of list(lb.properties.frontendIPConfigurations))
      member(text(fields(fields(f).properties).privateIPAddress), 'LoadBalancer', fullName(lb));
    for (const p of list(lb.properties.backendAddressPools))
      for (const m of list(fields(fields(p).properties).loadBalancerBackendAddresses))
        member(text(fields(fields(m).properties).ipAddress), 'LoadBalancer', fullName(lb));
  }
  for (const agw of byType('microsoft.network/applicationgateways')) {
    for (const f of list(agw.properties.frontendIPConfigurations))
      member(text(fields(fields(f).properties).privateIPAddress), 'ApplicationGateway', fullName(agw));
    for (const p of list(agw.properties.backendAddressPools))
      for (const m of list(fields(fields(p).properties).backendAddresses))
        member(text(fields(m).ipAddress), 'ApplicationGateway', fullName(agw));
  }

  // App Service with VNet integration: its private outbound addresses are VNet addresses of the site.
  for (const site of byType('microsoft.web/sites')) {
    const subnetId = text(site.properties.virtualNetworkSubnetId);
    for (const ip of (text(site.properties.outboundIpAddresses) ?? '').split(',').map((x) => x.trim())) {
      const n = ipv4ToNumber(ip);
      if (n === null || !isPrivateIpv4(n)) continue;
      ips.set(ip, {
        Ip: ip,
        IpNum: n,
        Vm: `${site.resourceGroup}/${site.name}`,
        Subnet: subnetName(subnetId),
        VnetId: vnetIdOf(subnetId),
        Subscription: site.subscriptionId,
        Region: site.location,
      });
    }
  }

  // On-premises: S2S over VPN (local network gateways) and ExpressRoute (connection prefixes).
  const lngs = new Map(byType('microsoft.network/localnetworkgateways').map((l) => [l.id, l]));
  for (const c of byType('microsoft.network/connections')) {
    const site = {
      Kind: 'onprem',
      Subscription: c.subscriptionId,
      Region: c.location,
      ConnectionName: fullName(c),
    };
    if (/expressroute/i.test(text(c.properties.connectionType) ?? '')) {
      const circuit = armName(idOf(c.properties.peer));
      addRanges(c.properties.onPremAddressPrefixes, (prefix) => ({
        ...site,
        Name: prefix,
        ConnectionType: 'ExpressRoute',
        ExpressRouteCircuit: circuit ? `${c.subscriptionId}/${circuit}` : null,
      }));
    } else {
      const lng = lngs.get(lower(idOf(c.properties.localNetworkGateway2)));
      if (!lng) continue;
      addRanges(fields(lng.properties.localNetworkAddressSpace).addressPrefixes, (prefix) => ({
        ...site,
        Name: prefix,
        ConnectionType: 'VpnGateway',
        LocalNetworkGateway: fullName(lng),
      }));
    }
  }
  for (const gw of byType('microsoft.network/virtualnetworkgateways')) {
    const pool = fields(fields(gw.properties.vpnClientConfiguration).vpnClientAddressPool).addressPrefixes;
    addRanges(pool, (prefix) => ({
      Kind: 'p2s',
      Name: prefix,
      Subscription: gw.subscriptionId,
      Region: gw.location,
      ConnectionType: 'VpnGateway',
      ConnectionName: fullName(gw),
    }));
  }
  await replaceRows(store, IP_LOOKUP, 'topology', [...ips.values()], { replaceAll: true });
  await replaceRows(store, RANGE_LOOKUP, 'topology', ranges, { replaceAll: true });
  return { ips: ips.size, ranges: ranges.length };
}
