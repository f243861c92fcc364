/**
 * The synthetic Azure estate: hub and spokes over three subscriptions, with the resources that
 * seed 001's queries name (10.1.1.8, resource group `flowlogs` with a route table, subnets inside
 * 10.1.1.0/27 and 10.1.1.64/27, load balancer `web-lb`, on-premises 10.4.0.0/16 over ExpressRoute).
 */

export interface Vnet {
  readonly name: string;
  readonly sub: string;
  readonly rg: string;
  readonly region: string;
  readonly prefix: string;
  readonly subnets: readonly { name: string; prefix: string; routeTable?: string; nsg?: string }[];
  /** Names of the VNets it peers with. */
  readonly peers: readonly string[];
}

export interface Nic {
  readonly name: string;
  readonly mac: string;
  readonly ip: string;
  readonly vm: string;
  readonly rg: string;
  readonly vnet: string;
  readonly subnet: string;
  readonly role: 'web' | 'app' | 'db' | 'jump' | 'win' | 'aks' | 'firewall' | 'dns' | 'dev';
  readonly publicIp?: string;
  readonly nsg?: string;
}

export const SUBS = {
  connectivity: '6b1f2a3c-0d4e-4f5a-9b6c-7d8e9fa0b1c2',
  prod: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f',
  aks: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
} as const;

export const REGION = 'westeurope';

export const vnets: readonly Vnet[] = [
  {
    name: 'hub-vnet',
    sub: SUBS.connectivity,
    rg: 'hub-network',
    region: REGION,
    prefix: '10.0.0.0/16',
    subnets: [
      { name: 'AzureFirewallSubnet', prefix: '10.0.1.0/26' },
      { name: 'GatewaySubnet', prefix: '10.0.2.0/27' },
      { name: 'shared', prefix: '10.0.3.0/24', nsg: 'shared-nsg' },
    ],
    peers: ['flowlogs-vnet', 'aks-vnet', 'dev-vnet'],
  },
  {
    name: 'flowlogs-vnet',
    sub: SUBS.prod,
    rg: 'flowlogs',
    region: REGION,
    prefix: '10.1.0.0/16',
    subnets: [
      { name: 'web', prefix: '10.1.1.0/27', routeTable: 'flowlogs-rt', nsg: 'web-nsg' },
      { name: 'app', prefix: '10.1.1.64/27', routeTable: 'flowlogs-rt', nsg: 'app-nsg' },
      { name: 'db', prefix: '10.1.2.0/24', routeTable: 'flowlogs-rt', nsg: 'db-nsg' },
      { name: 'appsvc-integration', prefix: '10.1.3.0/24', routeTable: 'flowlogs-rt' },
    ],
    peers: ['hub-vnet', 'aks-vnet'],
  },
  {
    name: 'aks-vnet',
    sub: SUBS.aks,
    rg: 'mc_aks-prod_aks-weu_westeurope',
    region: REGION,
    prefix: '10.2.0.0/16',
    subnets: [{ name: 'aks-nodes', prefix: '10.2.0.0/22', nsg: 'aks-agentpool-nsg' }],
    peers: ['hub-vnet', 'flowlogs-vnet'],
  },
  {
    name: 'dev-vnet',
    sub: SUBS.prod,
    rg: 'dev-network',
    region: REGION,
    prefix: '10.3.0.0/16',
    subnets: [{ name: 'dev', prefix: '10.3.0.0/24', routeTable: 'dev-rt', nsg: 'dev-nsg' }],
    peers: ['hub-vnet'],
  },
];

const nic = (n: Omit<Nic, 'mac'>, mac: string): Nic => ({ ...n, mac });

export const nics: readonly Nic[] = [
  nic(
    {
      name: 'azfw-nic',
      ip: '10.0.1.4',
      vm: 'azfw-nva-01',
      rg: 'hub-network',
      vnet: 'hub-vnet',
      subnet: 'AzureFirewallSubnet',
      role: 'firewall',
      publicIp: '20.103.88.10',
    },
    '000D3A4B1001',
  ),
  nic(
    {
      name: 'dns-01-nic',
      ip: '10.0.3.4',
      vm: 'dns-01',
      rg: 'hub-network',
      vnet: 'hub-vnet',
      subnet: 'shared',
      role: 'dns',
      nsg: 'shared-nsg',
    },
    '000D3A4B1002',
  ),
  nic(
    {
      name: 'web-vm-1-nic',
      ip: '10.1.1.4',
      vm: 'web-vm-1',
      rg: 'flowlogs',
      vnet: 'flowlogs-vnet',
      subnet: 'web',
      role: 'web',
      nsg: 'web-nsg',
    },
    '000D3A4B2001',
  ),
  nic(
    {
      name: 'web-vm-2-nic',
      ip: '10.1.1.5',
      vm: 'web-vm-2',
      rg: 'flowlogs',
      vnet: 'flowlogs-vnet',
      subnet: 'web',
      role: 'web',
      nsg: 'web-nsg',
    },
    '000D3A4B2002',
  ),
  nic(
    {
      name: 'win-vm-1-nic',
      ip: '10.1.1.6',
      vm: 'win-vm-1',
      rg: 'flowlogs',
      vnet: 'flowlogs-vnet',
      subnet: 'web',
      role: 'win',
      publicIp: '20.103.90.16',
      nsg: 'web-nsg',
    },
    '000D3A4B2003',
  ),
  nic(
    {
      name: 'jump-vm-1-nic',
      ip: '10.1.1.8',
      vm: 'jump-vm-1',
      rg: 'flowlogs',
      vnet: 'flowlogs-vnet',
      subnet: 'web',
      role: 'jump',
      publicIp: '20.103.90.18',
      nsg: 'web-nsg',
    },
    '000D3A4B2004',
  ),
  nic(
    {
      name: 'app-vm-1-nic',
      ip: '10.1.1.68',
      vm: 'app-vm-1',
      rg: 'flowlogs',
      vnet: 'flowlogs-vnet',
      subnet: 'app',
      role: 'app',
      nsg: 'app-nsg',
    },
    '000D3A4B2005',
  ),
  nic(
    {
      name: 'app-vm-2-nic',
      ip: '10.1.1.70',
      vm: 'app-vm-2',
      rg: 'flowlogs',
      vnet: 'flowlogs-vnet',
      subnet: 'app',
      role: 'app',
      nsg: 'app-nsg',
    },
    '000D3A4B2006',
  ),
  nic(
    {
      name: 'sql-vm-1-nic',
      ip: '10.1.2.4',
      vm: 'sql-vm-1',
      rg: 'flowlogs',
      vnet: 'flowlogs-vnet',
      subnet: 'db',
      role: 'db',
      nsg: 'db-nsg',
    },
    '000D3A4B2007',
  ),
  nic(
    {
      name: 'aks-nodepool1-0-nic',
      ip: '10.2.0.4',
      vm: 'aks-nodepool1-12345678-vmss_0',
      rg: 'mc_aks-prod_aks-weu_westeurope',
      vnet: 'aks-vnet',
      subnet: 'aks-nodes',
      role: 'aks',
      nsg: 'aks-agentpool-nsg',
    },
    '6045BD7A3001',
  ),
  nic(
    {
      name: 'aks-nodepool1-1-nic',
      ip: '10.2.0.5',
      vm: 'aks-nodepool1-12345678-vmss_1',
      rg: 'mc_aks-prod_aks-weu_westeurope',
      vnet: 'aks-vnet',
      subnet: 'aks-nodes',
      role: 'aks',
      nsg: 'aks-agentpool-nsg',
    },
    '6045BD7A3002',
  ),
  nic(
    {
      name: 'aks-nodepool1-2-nic',
      ip: '10.2.0.6',
      vm: 'aks-nodepool1-12345678-vmss_2',
      rg: 'mc_aks-prod_aks-weu_westeurope',
      vnet: 'aks-vnet',
      subnet: 'aks-nodes',
      role: 'aks',
      nsg: 'aks-agentpool-nsg',
    },
    '6045BD7A3003',
  ),
  nic(
    {
      name: 'dev-vm-1-nic',
      ip: '10.3.0.4',
      vm: 'dev-vm-1',
      rg: 'dev-network',
      vnet: 'dev-vnet',
      subnet: 'dev',
      role: 'dev',
      nsg: 'dev-nsg',
    },
    '000D3A4B4001',
  ),
  nic(
    {
      name: 'dev-vm-2-nic',
      ip: '10.3.0.5',
      vm: 'dev-vm-2',
      rg: 'dev-network',
      vnet: 'dev-vnet',
      subnet: 'dev',
      role: 'dev',
      nsg: 'dev-nsg',
    },
    '000D3A4B4002',
  ),
];

/** The load balancer whose name contains `web`: frontend and backend pool (app-vm-2 joined late). */
export const webLb = {
  name: 'web-lb',
  rg: 'flowlogs',
  frontendIp: '10.1.1.10',
  backend: ['10.1.1.4', '10.1.1.5', '10.1.1.70'],
};

/** App Service with VNet integration: its outbound addresses in the integration subnet, routed via the hub. */
export const appService = { name: 'app-orders-api', rg: 'flowlogs', ips: ['10.1.3.4', '10.1.3.5'] };

/** On-premises networks: 10.4.0.0/16 over ExpressRoute, a branch over site-to-site VPN, P2S clients. */
export const onPrem = {
  expressRoute: {
    circuit: 'er-ams-circuit',
    gateway: 'hub-ergw',
    connection: 'hub-er-connection',
    prefixes: ['10.4.0.0/16'],
    hosts: ['10.4.1.20', '10.4.1.21', '10.4.8.5'],
  },
  vpn: {
    gateway: 'hub-vpngw',
    localGateway: 'branch-paris-lng',
    connection: 'hub-to-branch-paris',
    prefixes: ['192.168.10.0/24'],
    hosts: ['192.168.10.15'],
  },
  p2s: { pool: '172.16.201.0/24', hosts: ['172.16.201.7'] },
};

/** The flow log resources: one per VNet, as Network Watcher names them. */
export function flowLogId(vnet: Vnet): string {
  return `/SUBSCRIPTIONS/${vnet.sub.toUpperCase()}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_${REGION.toUpperCase()}/FLOWLOGS/${vnet.name.toUpperCase()}-FLOWLOG`;
}

export function vnetId(v: Vnet): string {
  return `/subscriptions/${v.sub}/resourceGroups/${v.rg}/providers/Microsoft.Network/virtualNetworks/${v.name}`;
}

export function vnetOf(n: Nic): Vnet {
  const v = vnets.find((x) => x.name === n.vnet);
  if (!v) throw new Error(`no vnet ${n.vnet}`);
  return v;
}

export function nicByIp(ip: string): Nic | undefined {
  return nics.find((n) => n.ip === ip);
}

export function nicsByRole(role: Nic['role']): Nic[] {
  return nics.filter((n) => n.role === role);
}
