/**
 * The public side of the synthetic world: Azure service prefixes (written as a ServiceTags_Public
 * file), internet destinations with DNS names, and threat-feed addresses. All addresses are
 * fixed so that ground truth, DNS logs and threat intel agree across seeds.
 */

/** An Azure service tag with its region and prefixes. */
export interface ServiceTag {
  readonly name: string;
  readonly region: string;
  readonly systemService: string;
  readonly prefixes: readonly string[];
  /** Addresses traffic goes to, inside the prefixes, with the names DNS resolves them from. */
  readonly hosts: readonly { ip: string; name: string }[];
}

export const serviceTags: readonly ServiceTag[] = [
  {
    name: 'Storage.WestEurope',
    region: 'westeurope',
    systemService: 'AzureStorage',
    prefixes: ['20.60.0.0/16', '52.239.140.0/22'],
    hosts: [
      { ip: '20.60.40.4', name: 'stflowlogsprod.blob.core.windows.net.' },
      { ip: '52.239.141.36', name: 'stappdata.blob.core.windows.net.' },
    ],
  },
  {
    name: 'Sql.WestEurope',
    region: 'westeurope',
    systemService: 'AzureSQL',
    prefixes: ['104.40.168.0/23', '13.69.112.0/21'],
    hosts: [{ ip: '104.40.169.187', name: 'sql-prod-weu.database.windows.net.' }],
  },
  {
    name: 'AzureMonitor',
    region: '',
    systemService: 'AzureMonitor',
    prefixes: ['20.50.65.0/24', '13.69.229.64/29'],
    hosts: [{ ip: '20.50.65.82', name: 'westeurope.ods.opinsights.azure.com.' }],
  },
  {
    name: 'AzureActiveDirectory',
    region: '',
    systemService: 'AzureAD',
    prefixes: ['20.190.128.0/18', '40.126.0.0/18'],
    hosts: [{ ip: '20.190.159.2', name: 'login.microsoftonline.com.' }],
  },
  {
    name: 'AzureContainerRegistry.WestEurope',
    region: 'westeurope',
    systemService: 'AzureContainerRegistry',
    prefixes: ['51.124.70.0/23'],
    hosts: [{ ip: '51.124.71.10', name: 'acrprod.azurecr.io.' }],
  },
];

/** Ordinary internet destinations (ExternalPublic), with a DNS name each. */
export const internetHosts: readonly { ip: string; name: string }[] = [
  { ip: '140.82.121.4', name: 'github.com.' },
  { ip: '104.16.27.34', name: 'registry.npmjs.org.' },
  { ip: '151.101.0.223', name: 'pypi.org.' },
  { ip: '142.250.179.142', name: 'www.google.com.' },
  { ip: '199.232.82.132', name: 'deb.debian.org.' },
  { ip: '91.189.91.83', name: 'archive.ubuntu.com.' },
  { ip: '35.186.224.25', name: 'api.segment.io.' },
  { ip: '34.107.221.82', name: 'detectportal.firefox.com.' },
  { ip: '52.84.150.39', name: 'd1.awsstatic.com.' },
  { ip: '185.199.108.133', name: 'raw.githubusercontent.com.' },
  { ip: '162.159.140.229', name: 'api.cloudflare.com.' },
  { ip: '2a04:4e42::223', name: 'pypi.org.' },
];

/** The exfiltration destination of seed 001 ("packet host inc."). */
export const exfilHost = { ip: '136.144.58.113', name: 'files.packethost-storage.net.' };

/** Threat-feed addresses: beacon C2 servers, brute-force and scan sources. */
export const threats = {
  c2: { ip: '185.220.101.47', name: 'update-check.cdn-sync.net.', type: 'C2' },
  c2b: { ip: '45.137.21.9', name: 'telemetry.win-upd.org.', type: 'C2' },
  sshBrute: { ip: '193.106.191.42', type: 'Botnet' },
  rdpBrute: { ip: '80.66.88.208', type: 'Botnet' },
  scanner: { ip: '167.94.138.120', type: 'Proxy' },
  miner: { ip: '94.130.12.30', name: 'pool.minexmr-eu.com.', type: 'CryptoMining' },
};

/** Sources of denied inbound internet noise (not in the threat feed). */
export const noiseSources: readonly string[] = [
  '101.33.218.153',
  '192.241.200.164',
  '45.155.205.233',
  '162.142.125.221',
  '71.6.199.23',
  '89.248.165.74',
  '2001:db8:dead::17',
];
