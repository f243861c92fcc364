import type { BlobFormat } from './blob-writer.js';
import { appService, nics, onPrem, REGION, SUBS, vnetId, vnetOf, vnets, webLb, type Nic } from './estate.js';

/** An ARM resource as Azure Resource Graph returns it. */
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location: string;
  resourceGroup: string;
  subscriptionId: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
}

const rid = (sub: string, rg: string, type: string, name: string): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`;

function res(
  sub: string,
  rg: string,
  type: string,
  name: string,
  properties: Record<string, unknown>,
): ArmResource {
  return {
    id: rid(sub, rg, type, name),
    name,
    type: type.toLowerCase(),
    location: REGION,
    resourceGroup: rg,
    subscriptionId: sub,
    tags: { env: rg.startsWith('dev') ? 'dev' : 'prod' },
    properties,
  };
}

const armMac = (m: string): string => m.match(/../g)!.join('-');

function nsgRules(name: string): Record<string, unknown>[] {
  const rule = (
    n: string,
    priority: number,
    access: string,
    direction: string,
    port: string,
    src = '*',
    dst = '*',
  ) => ({
    name: n,
    properties: {
      priority,
      access,
      direction,
      protocol: 'Tcp',
      sourceAddressPrefix: src,
      sourcePortRange: '*',
      destinationAddressPrefix: dst,
      destinationPortRange: port,
    },
  });
  if (name === 'db-nsg')
    return [
      rule('AllowAppToSql', 100, 'Allow', 'Inbound', '1433', '10.1.1.64/27'),
      rule('DenyDevToSql', 110, 'Deny', 'Inbound', '1433', '10.3.0.0/16'),
    ];
  if (name === 'web-nsg')
    return [
      rule('AllowHttpsInbound', 100, 'Allow', 'Inbound', '443'),
      rule('AllowSshInbound', 110, 'Allow', 'Inbound', '22'),
      rule('AllowRdpInbound', 120, 'Allow', 'Inbound', '3389'),
    ];
  return [rule('AllowVnetInbound', 100, 'Allow', 'Inbound', '*', 'VirtualNetwork', 'VirtualNetwork')];
}

/** Every resource of the estate, ARM-shaped: what `topology.json` holds. */
export function armResources(format: BlobFormat = 'vnet'): ArmResource[] {
  const out: ArmResource[] = [];
  for (const v of vnets) {
    out.push(
      res(v.sub, v.rg, 'Microsoft.Network/virtualNetworks', v.name, {
        addressSpace: { addressPrefixes: [v.prefix] },
        subnets: v.subnets.map((s) => ({
          name: s.name,
          id: `${vnetId(v)}/subnets/${s.name}`,
          properties: {
            addressPrefix: s.prefix,
            ...(s.routeTable
              ? { routeTable: { id: rid(v.sub, v.rg, 'Microsoft.Network/routeTables', s.routeTable) } }
              : {}),
            ...(s.nsg
              ? {
                  networkSecurityGroup: {
                    id: rid(v.sub, v.rg, 'Microsoft.Network/networkSecurityGroups', s.nsg),
                  },
                }
              : {}),
          },
        })),
        virtualNetworkPeerings: v.peers.map((p) => {
          const peer = vnets.find((x) => x.name === p)!;
          return {
            name: `${v.name}-to-${p}`,
            properties: {
              peeringState: 'Connected',
              remoteVirtualNetwork: { id: vnetId(peer) },
              allowForwardedTraffic: true,
              useRemoteGateways: v.name !== 'hub-vnet' && p === 'hub-vnet',
            },
          };
        }),
        encryption: {
          enabled: v.name === 'flowlogs-vnet' || v.name === 'dev-vnet',
          enforcement: 'AllowUnencrypted',
        },
      }),
    );
    for (const s of v.subnets) {
      if (s.nsg)
        out.push(
          res(v.sub, v.rg, 'Microsoft.Network/networkSecurityGroups', s.nsg, {
            securityRules: nsgRules(s.nsg),
          }),
        );
    }
  }
  for (const n of nics) out.push(...nicResources(n));
  const prod = SUBS.prod;
  const conn = SUBS.connectivity;
  out.push(
    res(prod, 'flowlogs', 'Microsoft.Network/routeTables', 'flowlogs-rt', {
      routes: [
        {
          name: 'default-via-firewall',
          properties: {
            addressPrefix: '0.0.0.0/0',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.1.4',
          },
        },
        {
          name: 'onprem-via-gateway',
          properties: { addressPrefix: '10.4.0.0/16', nextHopType: 'VirtualNetworkGateway' },
        },
        {
          name: 'dev-via-firewall',
          properties: {
            addressPrefix: '10.3.0.0/16',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.1.4',
          },
        },
      ],
    }),
    res(prod, 'dev-network', 'Microsoft.Network/routeTables', 'dev-rt', {
      routes: [
        {
          name: 'default-via-firewall',
          properties: {
            addressPrefix: '0.0.0.0/0',
            nextHopType: 'VirtualAppliance',
            nextHopIpAddress: '10.0.1.4',
          },
        },
      ],
    }),
    res(prod, webLb.rg, 'Microsoft.Network/loadBalancers', webLb.name, {
      frontendIPConfigurations: [
        {
          name: 'web-frontend',
          properties: {
            privateIPAddress: webLb.frontendIp,
            subnet: { id: `${vnetId(vnets[1])}/subnets/web` },
          },
        },
      ],
      backendAddressPools: [
        {
          name: 'web-backend',
          properties: {
            loadBalancerBackendAddresses: webLb.backend.map((ip) => ({ properties: { ipAddress: ip } })),
          },
        },
      ],
      loadBalancingRules: [
        { name: 'https', properties: { frontendPort: 443, backendPort: 443, protocol: 'Tcp' } },
      ],
    }),
    res(conn, 'hub-network', 'Microsoft.Network/virtualNetworkGateways', onPrem.expressRoute.gateway, {
      gatewayType: 'ExpressRoute',
      ipConfigurations: [{ properties: { subnet: { id: `${vnetId(vnets[0])}/subnets/GatewaySubnet` } } }],
    }),
    res(conn, 'hub-network', 'Microsoft.Network/virtualNetworkGateways', onPrem.vpn.gateway, {
      gatewayType: 'Vpn',
      vpnClientConfiguration: { vpnClientAddressPool: { addressPrefixes: [onPrem.p2s.pool] } },
      ipConfigurations: [{ properties: { subnet: { id: `${vnetId(vnets[0])}/subnets/GatewaySubnet` } } }],
    }),
    res(conn, 'hub-network', 'Microsoft.Network/expressRouteCircuits', onPrem.expressRoute.circuit, {
      serviceProviderProperties: {
        serviceProviderName: 'Equinix',
        peeringLocation: 'Amsterdam',
        bandwidthInMbps: 1000,
      },
      peerings: [{ name: 'AzurePrivatePeering', properties: { peeringType: 'AzurePrivatePeering' } }],
    }),
    res(conn, 'hub-network', 'Microsoft.Network/connections', onPrem.expressRoute.connection, {
      connectionType: 'ExpressRoute',
      virtualNetworkGateway1: {
        id: rid(conn, 'hub-network', 'Microsoft.Network/virtualNetworkGateways', onPrem.expressRoute.gateway),
      },
      peer: {
        id: rid(conn, 'hub-network', 'Microsoft.Network/expressRouteCircuits', onPrem.expressRoute.circuit),
      },
      onPremAddressPrefixes: onPrem.expressRoute.prefixes,
    }),
    res(conn, 'hub-network', 'Microsoft.Network/localNetworkGateways', onPrem.vpn.localGateway, {
      gatewayIpAddress: '198.51.100.20',
      localNetworkAddressSpace: { addressPrefixes: onPrem.vpn.prefixes },
    }),
    res(conn, 'hub-network', 'Microsoft.Network/connections', onPrem.vpn.connection, {
      connectionType: 'IPsec',
      virtualNetworkGateway1: {
        id: rid(conn, 'hub-network', 'Microsoft.Network/virtualNetworkGateways', onPrem.vpn.gateway),
      },
      localNetworkGateway2: {
        id: rid(conn, 'hub-network', 'Microsoft.Network/localNetworkGateways', onPrem.vpn.localGateway),
      },
    }),
    res(prod, appService.rg, 'Microsoft.Web/sites', appService.name, {
      virtualNetworkSubnetId: `${vnetId(vnets[1])}/subnets/appsvc-integration`,
      vnetRouteAllEnabled: true,
      outboundIpAddresses: appService.ips.join(','),
    }),
  );
  // The flow logs: one per VNet (VNet flow logs), or one per NSG (the legacy NSG flow logs), all
  // writing to the one storage account of the estate.
  const storageId = rid(prod, 'flowlogs', 'Microsoft.Storage/storageAccounts', 'stflowlogsprod');
  const flowLog = (sub: string, name: string, targetResourceId: string, version: number): ArmResource =>
    res(
      sub,
      'NetworkWatcherRG',
      'Microsoft.Network/networkWatchers/flowLogs',
      `NetworkWatcher_${REGION}/${name}-flowlog`,
      {
        targetResourceId,
        storageId,
        enabled: true,
        format: { type: 'JSON', version },
        flowAnalyticsConfiguration: {
          networkWatcherFlowAnalyticsConfiguration: { enabled: true, trafficAnalyticsInterval: 60 },
        },
      },
    );
  for (const v of vnets) {
    if (format === 'vnet') out.push(flowLog(v.sub, v.name, vnetId(v), 4));
    else
      for (const nsg of new Set(v.subnets.flatMap((s) => (s.nsg ? [s.nsg] : []))))
        out.push(flowLog(v.sub, nsg, rid(v.sub, v.rg, 'Microsoft.Network/networkSecurityGroups', nsg), 2));
  }
  return out;
}

function nicResources(n: Nic): ArmResource[] {
  const v = vnetOf(n);
  const out: ArmResource[] = [];
  const vmId = rid(v.sub, n.rg, 'Microsoft.Compute/virtualMachines', n.vm);
  const pipName = `${n.vm}-pip`;
  out.push(
    res(v.sub, n.rg, 'Microsoft.Network/networkInterfaces', n.name, {
      macAddress: armMac(n.mac),
      virtualMachine: { id: vmId },
      enableIPForwarding: n.role === 'firewall',
      ...(n.nsg
        ? { networkSecurityGroup: { id: rid(v.sub, v.rg, 'Microsoft.Network/networkSecurityGroups', n.nsg) } }
        : {}),
      ipConfigurations: [
        {
          name: 'ipconfig1',
          properties: {
            privateIPAddress: n.ip,
            subnet: { id: `${vnetId(v)}/subnets/${n.subnet}` },
            ...(n.publicIp
              ? { publicIPAddress: { id: rid(v.sub, n.rg, 'Microsoft.Network/publicIPAddresses', pipName) } }
              : {}),
            ...(webLb.backend.includes(n.ip)
              ? {
                  loadBalancerBackendAddressPools: [
                    {
                      id: `${rid(SUBS.prod, webLb.rg, 'Microsoft.Network/loadBalancers', webLb.name)}/backendAddressPools/web-backend`,
                    },
                  ],
                }
              : {}),
          },
        },
      ],
    }),
    res(v.sub, n.rg, 'Microsoft.Compute/virtualMachines', n.vm, {
      networkProfile: {
        networkInterfaces: [{ id: rid(v.sub, n.rg, 'Microsoft.Network/networkInterfaces', n.name) }],
      },
      storageProfile: { osDisk: { osType: n.role === 'win' ? 'Windows' : 'Linux' } },
    }),
  );
  if (n.publicIp)
    out.push(
      res(v.sub, n.rg, 'Microsoft.Network/publicIPAddresses', pipName, {
        ipAddress: n.publicIp,
        publicIPAllocationMethod: 'Static',
      }),
    );
  return out;
}
