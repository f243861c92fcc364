import { tables } from '../schema/tables.js';

/**
 * Tables Azure Monitor and Sentinel have that vnetflow cannot fill, with what they hold: a query
 * naming one gets an error that says so (and what vnetflow has instead), rather than Kusto's
 * generic "does not refer to any known table". Published Sentinel rules often union or join them.
 */
const NOT_FILLED: Readonly<Record<string, string>> = {
  AzureActivity: 'Azure activity log events (control-plane operations)',
  AzureDiagnostics: 'resource diagnostic logs of other Azure services',
  AzureMetrics: 'platform metrics',
  SigninLogs: 'Entra ID sign-ins',
  AADNonInteractiveUserSignInLogs: 'Entra ID non-interactive sign-ins',
  AADServicePrincipalSignInLogs: 'Entra ID service principal sign-ins',
  AuditLogs: 'Entra ID audit events',
  SecurityEvent: 'Windows security events from agents',
  WindowsEvent: 'Windows events from agents',
  Event: 'Windows event logs from agents',
  Syslog: 'syslog messages from agents',
  CommonSecurityLog: 'CEF events from firewalls and appliances',
  Heartbeat: 'agent heartbeats',
  Perf: 'performance counters from agents',
  W3CIISLog: 'IIS web server logs',
  VMConnection: 'VM insights connections (from the dependency agent)',
  VMComputer: 'VM insights machine inventory',
  VMProcess: 'VM insights processes',
  WindowsFirewall: 'Windows Firewall logs from agents',
  DnsEvents: 'DNS server events from agents',
  DnsInventory: 'DNS server inventory from agents',
  DeviceNetworkEvents: 'Defender for Endpoint network events',
  DeviceProcessEvents: 'Defender for Endpoint process events',
  DeviceEvents: 'Defender for Endpoint events',
  DeviceInfo: 'Defender for Endpoint device inventory',
  OfficeActivity: 'Microsoft 365 audit events',
  SecurityAlert: 'alerts of Sentinel and Defender products (vnetflow keeps its own in Alerts)',
  SecurityIncident: 'Sentinel incidents',
  AZFWNetworkRule: 'Azure Firewall network rule logs',
  AZFWApplicationRule: 'Azure Firewall application rule logs',
  AZFWNatRule: 'Azure Firewall NAT rule logs',
  AZFWDnsQuery: 'Azure Firewall DNS proxy logs',
  AZFWThreatIntel: 'Azure Firewall threat-intel hits',
  AZFWIdpsSignature: 'Azure Firewall IDPS hits',
  AppServiceHTTPLogs: 'App Service HTTP logs',
  StorageBlobLogs: 'Storage blob access logs',
  ContainerLog: 'container stdout and stderr',
  KubeEvents: 'Kubernetes events',
  NetworkAccessTraffic: 'Global Secure Access traffic logs',
  AWSVPCFlow: 'AWS VPC flow logs',
  Watchlist: 'Sentinel watchlists',
  ASimNetworkSessionLogs: 'ASIM network sessions (not built yet: query NTANetAnalytics or FlowTuples)',
  _Im_NetworkSession: 'the ASIM NetworkSession parser (not built yet: query NTANetAnalytics or FlowTuples)',
  _ASim_NetworkSession: 'the ASIM NetworkSession parser (not built yet: query NTANetAnalytics or FlowTuples)',
  imNetworkSession: 'the ASIM NetworkSession parser (not built yet: query NTANetAnalytics or FlowTuples)',
};

/**
 * The message for a name Kusto's analyzer does not know, when it is an Azure table vnetflow does
 * not fill; null otherwise (Kusto's own message stands).
 */
export function notFilledMessage(name: string): string | null {
  const what = NOT_FILLED[name];
  if (!what) return null;
  const ours = tables.map((t) => t.name).join(', ');
  return `${name} is an Azure table vnetflow does not fill: it holds ${what}, which flow logs do not carry. vnetflow's tables: ${ours}`;
}
