import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exfilHost, internetHosts, serviceTags, threats } from './catalog.js';
import type { Conn } from './connection.js';
import { nicByIp, REGION, SUBS, vnetId, vnetOf, vnets } from './estate.js';
import { azureTime, guidOf } from './ids.js';
import type { Rng } from './rng.js';

const POLICY_ID = `/subscriptions/${SUBS.connectivity}/resourceGroups/hub-network/providers/Microsoft.Network/dnsResolverPolicies/hub-dns-policy`;

/** One DNS query-log record in the Azure DNS security policy diagnostic shape. */
export interface DnsRecord {
  readonly time: number;
  readonly json: string;
}

/**
 * DNS queries that resolve the destinations: one per source and name per 10 minutes, just before
 * the connection, plus NXDOMAIN noise. Answer keeps its JSON array shape (`[]` for NXDOMAIN).
 */
export class DnsLog {
  private readonly last = new Map<string, number>();
  readonly byHour = new Map<number, DnsRecord[]>();

  constructor(private readonly rng: Rng) {}

  observe(c: Conn): void {
    if (!c.dnsName) return;
    const key = `${c.src}|${c.dnsName}`;
    const prev = this.last.get(key);
    if (prev !== undefined && c.start - prev < 600_000) return;
    this.last.set(key, c.start);
    const type = c.dst.includes(':') ? 'AAAA' : 'A';
    this.add(c.start - this.rng.int(5, 250), c.src, c.dnsName, type, 0, [
      { RData: c.dst, Type: type, Class: 'IN', TTL: 300, Name: c.dnsName },
    ]);
  }

  nxdomain(t: number, src: string): void {
    const name = `${Array.from({ length: 12 }, () => 'abcdefghijklmnopqrstuvwxyz'[this.rng.int(0, 25)]).join('')}.xyz.`;
    this.add(t, src, name, 'A', 3, []);
  }

  private add(t: number, src: string, name: string, type: string, rcode: number, answer: unknown[]): void {
    const nic = nicByIp(src);
    const vnet = nic ? vnetOf(nic) : vnets[1];
    const properties = {
      QueryName: name,
      QueryType: type,
      QueryClass: 'IN',
      ResponseCode: rcode,
      ResponseFlags: 'qr,rd,ra',
      Answer: answer,
      SourceIpAddress: src,
      SourcePort: this.rng.int(1024, 65535),
      Transport: 'UDP',
      ResolutionPath: 'PublicDns',
      ResolverPolicyId: POLICY_ID,
      ResolverPolicyRuleAction: 'None',
      VirtualNetworkId: vnetId(vnet),
      Region: REGION,
    };
    const json = JSON.stringify({
      time: azureTime(t),
      resourceId: POLICY_ID.toUpperCase(),
      category: 'DnsResponse',
      operationName: 'DnsResponse',
      properties,
    });
    const hour = Math.floor(t / 3600_000) * 3600_000;
    const list = this.byHour.get(hour) ?? [];
    list.push({ time: t, json });
    this.byHour.set(hour, list);
  }

  /** Writes the hours before `until` as PT1H.json blobs and forgets them. */
  flush(root: string, until: number): void {
    for (const [hour, list] of [...this.byHour].sort((a, b) => a[0] - b[0])) {
      if (hour >= until) continue;
      list.sort((a, b) => a.time - b.time);
      const d = new Date(hour);
      const p2 = (n: number): string => String(n).padStart(2, '0');
      const dir = join(
        root,
        `insights-logs-dnsresponse/resourceId=${POLICY_ID.toUpperCase()}/y=${d.getUTCFullYear()}/m=${p2(d.getUTCMonth() + 1)}/d=${p2(d.getUTCDate())}/h=${p2(d.getUTCHours())}/m=00`,
      );
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'PT1H.json'), `{"records":[${list.map((r) => r.json).join(',')}]}`);
      this.byHour.delete(hour);
    }
  }
}

/** Threat intel as a STIX 2.1 bundle and as a plain list (one address per line, comments allowed). */
export function writeThreatIntel(out: string, created: number): void {
  const when = new Date(created).toISOString();
  const entries = Object.entries(threats);
  const objects = entries.flatMap(([key, t]) => {
    const ind = (kind: string, value: string) => ({
      type: 'indicator',
      spec_version: '2.1',
      id: `indicator--${guidOf(`${kind}:${value}`)}`,
      created: when,
      modified: when,
      name: `${t.type} ${value}`,
      description: `synthetic ${t.type} indicator (${key})`,
      indicator_types: ['malicious-activity'],
      pattern: `[${kind}:value = '${value}']`,
      pattern_type: 'stix',
      valid_from: when,
      // Feeds give indicators a life; 90 days is a common default (Sentinel's, among others).
      valid_until: new Date(created + 90 * 86_400_000).toISOString(),
      labels: [t.type.toLowerCase()],
      confidence: t.type === 'C2' ? 90 : 70,
    });
    const list = [ind('ipv4-addr', t.ip)];
    if ('name' in t) list.push(ind('domain-name', t.name.replace(/\.$/, '')));
    return list;
  });
  writeFileSync(
    join(out, 'threat-intel.stix.json'),
    JSON.stringify({ type: 'bundle', id: `bundle--${guidOf('vnetflow-synthetic')}`, objects }, null, 2),
  );
  const lines = [
    '# vnetflow synthetic threat feed: one IP or CIDR per line',
    ...entries.map(([key, t]) => `${t.ip} # ${t.type} ${key}`),
  ];
  writeFileSync(join(out, 'threat-intel.txt'), lines.join('\n') + '\n');
}

/** Service tags in Microsoft's ServiceTags_Public shape. */
export function writeServiceTags(out: string): void {
  const values = serviceTags.map((t) => ({
    name: t.name,
    id: t.name,
    properties: {
      changeNumber: 1,
      region: t.region,
      regionId: t.region ? 18 : 0,
      platform: 'Azure',
      systemService: t.systemService,
      addressPrefixes: t.prefixes,
      networkFeatures: ['API', 'NSG', 'UDR', 'FW'],
    },
  }));
  writeFileSync(
    join(out, 'service-tags.json'),
    JSON.stringify({ changeNumber: 1, cloud: 'Public', values }, null, 2),
  );
}

/** The public destinations with their names, for the ground truth's reference. */
export function publicDirectory(): { ip: string; name: string; kind: string }[] {
  return [
    ...internetHosts.map((h) => ({ ...h, kind: 'ExternalPublic' })),
    ...serviceTags.flatMap((t) => t.hosts.map((h) => ({ ...h, kind: `AzurePublic:${t.name}` }))),
    { ...exfilHost, kind: 'ExternalPublic' },
    ...Object.values(threats).map((t) => ({
      ip: t.ip,
      name: 'name' in t ? t.name : '',
      kind: `MaliciousFlow:${t.type}`,
    })),
  ];
}
