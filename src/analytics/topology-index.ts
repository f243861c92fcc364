import { fields, text } from '../enrich/parse-json.js';
import { ipv4Range, ipv4ToNumber } from '../enrich/ip.js';
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
/** The resource group and name segments of an ARM id: `/subscriptions/s/resourceGroups/rg/.../name`. */
function rgName(id: string | null): { rg: string; name: string } | null {
  if (!id) return null;
  const m = /\/resourcegroups\/([^/]+)\/.*\/([^/]+)$/i.exec(id);
  return m ? { rg: m[1], name: m[2] } : null;
}
/** `<rg>/<vnet>/<subnet>` from a subnet id, as Traffic Analytics names subnets. */
function subnetName(id: string | null): string | null {
  const m = id
    ? /\/resourcegroups\/([^/]+)\/.*\/virtualnetworks\/([^/]+)\/subnets\/([^/]+)$/i.exec(id)
    : null;
  return m ? `${m[1]}/${m[2]}/${m[3]}` : null;
}
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
  const ips: Record<string, unknown>[] = [];
  const ranges: Record<string, unknown>[] = [];

  for (const v of byType('microsoft.network/virtualnetworks')) {
    const space = fields(v.properties.addressSpace).addressPrefixes;
    for (const prefix of Array.isArray(space) ? space : []) {
      const r = typeof prefix === 'string' ? ipv4Range(prefix) : null;
      if (r)
        ranges.push({
          Kind: 'vnet',
          RangeStart: r.start,
          RangeEnd: r.end,
          Name: `${v.resourceGroup}/${v.name}`,
          VnetId: v.id,
          Subscription: v.subscriptionId,
          Region: v.location,
        });
    }
    const subnets = v.properties.subnets;
    for (const s of Array.isArray(subnets) ? subnets : []) {
      const sp = fields(fields(s).properties);
      const prefixes = [
        text(sp.addressPrefix),
        ...(Array.isArray(sp.addressPrefixes) ? sp.addressPrefixes : []),
      ];
      for (const prefix of prefixes) {
        const r = typeof prefix === 'string' ? ipv4Range(prefix) : null;
        if (r)
          ranges.push({
            Kind: 'subnet',
            RangeStart: r.start,
            RangeEnd: r.end,
            Name: `${v.resourceGroup}/${v.name}/${text(fields(s).name)}`,
            VnetId: v.id,
            Subscription: v.subscriptionId,
            Region: v.location,
          });
      }
    }
  }

  for (const nic of byType('microsoft.network/networkinterfaces')) {
    const vm = vms.get(lower(idOf(nic.properties.virtualMachine)));
    const vmRef = rgName(idOf(nic.properties.virtualMachine));
    const configs = nic.properties.ipConfigurations;
    for (const c of Array.isArray(configs) ? configs : []) {
      const cp = fields(fields(c).properties);
      const ip = text(cp.privateIPAddress);
      if (!ip) continue;
      const subnetId = idOf(cp.subnet);
      ips.push({
        Ip: ip,
        IpNum: ipv4ToNumber(ip),
        MacAddress: mac(text(nic.properties.macAddress)),
        Nic: `${nic.resourceGroup}/${nic.name}`,
        Vm: vm ? `${vm.resourceGroup}/${vm.name}` : vmRef ? `${vmRef.rg}/${vmRef.name}` : null,
        Subnet: subnetName(subnetId),
        VnetId: vnetIdOf(subnetId),
        Subscription: nic.subscriptionId,
        Region: nic.location,
        IpForwarding: nic.properties.enableIPForwarding === true,
        PrivateEndpoint: idOf(nic.properties.privateEndpoint),
      });
    }
  }

  // Application gateways: frontend private addresses and backend members carry the gateway's name.
  const agwOf = new Map<string, string>();
  for (const agw of byType('microsoft.network/applicationgateways')) {
    const name = `${agw.subscriptionId}/${agw.resourceGroup}/${agw.name}`;
    for (const f of Array.isArray(agw.properties.frontendIPConfigurations)
      ? agw.properties.frontendIPConfigurations
      : []) {
      const ip = text(fields(fields(f).properties).privateIPAddress);
      if (ip) agwOf.set(ip, name);
    }
    for (const p of Array.isArray(agw.properties.backendAddressPools)
      ? agw.properties.backendAddressPools
      : []) {
      const members = fields(fields(p).properties).backendAddresses;
      for (const m of Array.isArray(members) ? members : []) {
        const ip = text(fields(m).ipAddress);
        if (ip) agwOf.set(ip, name);
      }
    }
  }

  // Load balancers: frontends and backend members carry the balancer's name.
  const lbOf = new Map<string, string>();
  for (const lb of byType('microsoft.network/loadbalancers')) {
    const name = `${lb.subscriptionId}/${lb.resourceGroup}/${lb.name}`;
    const fronts = lb.properties.frontendIPConfigurations;
    for (const f of Array.isArray(fronts) ? fronts : []) {
      const ip = text(fields(fields(f).properties).privateIPAddress);
      if (ip) lbOf.set(ip, name);
    }
    const pools = lb.properties.backendAddressPools;
    for (const p of Array.isArray(pools) ? pools : []) {
      const members = fields(fields(p).properties).loadBalancerBackendAddresses;
      for (const m of Array.isArray(members) ? members : []) {
        const ip = text(fields(fields(m).properties).ipAddress);
        if (ip) lbOf.set(ip, name);
      }
    }
  }
  for (const row of ips) {
    const lb = lbOf.get(String(row.Ip));
    if (lb) row.LoadBalancer = lb;
    const agw = agwOf.get(String(row.Ip));
    if (agw) row.ApplicationGateway = agw;
  }
  for (const [ip, lb] of lbOf)
    if (!ips.some((r) => r.Ip === ip)) ips.push({ Ip: ip, IpNum: ipv4ToNumber(ip), LoadBalancer: lb });
  for (const [ip, agw] of agwOf)
    if (!ips.some((r) => r.Ip === ip)) ips.push({ Ip: ip, IpNum: ipv4ToNumber(ip), ApplicationGateway: agw });

  // App Service with VNet integration: its outbound addresses are VNet addresses of the site.
  for (const site of byType('microsoft.web/sites')) {
    const subnetId = text(site.properties.virtualNetworkSubnetId);
    const out = text(site.properties.outboundIpAddresses) ?? '';
    for (const ip of out
      .split(',')
      .map((x) => x.trim())
      .filter((x) => ipv4ToNumber(x) !== null && /^(10|172|192)\./.test(x)))
      ips.push({
        Ip: ip,
        IpNum: ipv4ToNumber(ip),
        Vm: `${site.resourceGroup}/${site.name}`,
        Subnet: subnetName(subnetId),
        VnetId: vnetIdOf(subnetId),
        Subscription: site.subscriptionId,
        Region: site.location,
      });
  }

  // On-premises: S2S over VPN (local network gateways) and ExpressRoute (connection prefixes).
  const lngs = new Map(byType('microsoft.network/localnetworkgateways').map((l) => [l.id, l]));
  for (const c of byType('microsoft.network/connections')) {
    const type = text(c.properties.connectionType) ?? '';
    if (/expressroute/i.test(type)) {
      const circuit = rgName(idOf(c.properties.peer));
      const prefixes = c.properties.onPremAddressPrefixes;
      for (const prefix of Array.isArray(prefixes) ? prefixes : []) {
        const r = typeof prefix === 'string' ? ipv4Range(prefix) : null;
        if (r)
          ranges.push({
            Kind: 'onprem',
            RangeStart: r.start,
            RangeEnd: r.end,
            Name: prefix,
            Subscription: c.subscriptionId,
            Region: c.location,
            ConnectionType: 'ExpressRoute',
            ConnectionName: `${c.subscriptionId}/${c.resourceGroup}/${c.name}`,
            ExpressRouteCircuit: circuit ? `${c.subscriptionId}/${circuit.rg}/${circuit.name}` : null,
          });
      }
    } else {
      const lng = lngs.get(lower(idOf(c.properties.localNetworkGateway2)));
      const space = lng ? fields(lng.properties.localNetworkAddressSpace).addressPrefixes : [];
      for (const prefix of Array.isArray(space) ? space : []) {
        const r = typeof prefix === 'string' ? ipv4Range(prefix) : null;
        if (r && lng)
          ranges.push({
            Kind: 'onprem',
            RangeStart: r.start,
            RangeEnd: r.end,
            Name: prefix,
            Subscription: c.subscriptionId,
            Region: c.location,
            ConnectionType: 'VpnGateway',
            ConnectionName: `${c.subscriptionId}/${c.resourceGroup}/${c.name}`,
            LocalNetworkGateway: `${lng.subscriptionId}/${lng.resourceGroup}/${lng.name}`,
          });
      }
    }
  }
  for (const gw of byType('microsoft.network/virtualnetworkgateways')) {
    const pool = fields(fields(gw.properties.vpnClientConfiguration).vpnClientAddressPool).addressPrefixes;
    for (const prefix of Array.isArray(pool) ? pool : []) {
      const r = typeof prefix === 'string' ? ipv4Range(prefix) : null;
      if (r)
        ranges.push({
          Kind: 'p2s',
          RangeStart: r.start,
          RangeEnd: r.end,
          Name: prefix,
          Subscription: gw.subscriptionId,
          Region: gw.location,
          ConnectionType: 'VpnGateway',
          ConnectionName: `${gw.subscriptionId}/${gw.resourceGroup}/${gw.name}`,
        });
    }
  }
  await replaceRows(store, IP_LOOKUP, 'topology', ips, { replaceAll: true });
  await replaceRows(store, RANGE_LOOKUP, 'topology', ranges, { replaceAll: true });
  return { ips: ips.length, ranges: ranges.length };
}
