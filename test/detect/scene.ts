import { join } from 'node:path';
import type { Store } from '../../src/store/store.js';
import { put, v4Blob } from '../helpers.js';

/** The hour every scene starts at (UTC). */
export const T0 = Date.parse('2026-06-01T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;

/** A connection written for a test: one tuple per state, seen on the destination (Inbound) or source (Outbound) NIC. */
export interface TestFlow {
  t: number;
  src: string;
  dst: string;
  dport: number;
  sport?: number;
  dir?: 'I' | 'O';
  /** B and E (an allowed connection with bytes), or D (denied). */
  denied?: boolean;
  bytesOut?: number;
  bytesIn?: number;
  proto?: 6 | 17;
}

/**
 * Flow logs, DNS query logs and threat intel written for one test, in the formats Azure and the
 * feeds use, then ingested the way users ingest them. Keeps the rule tests about the rules.
 */
export class Scene {
  private readonly flows: TestFlow[] = [];
  private readonly dns: { t: number; src: string; name: string; rcode: number; answers: string[] }[] = [];
  private readonly indicators: { kind: 'ipv4-addr' | 'domain-name'; value: string }[] = [];
  private port = 40_000;

  flow(f: TestFlow): this {
    this.flows.push({ ...f, sport: f.sport ?? this.port++ });
    return this;
  }

  lookup(t: number, src: string, name: string, answers: string[] = [], rcode = answers.length ? 0 : 3): this {
    this.dns.push({ t, src, name, rcode, answers });
    return this;
  }

  indicator(kind: 'ipv4-addr' | 'domain-name', value: string): this {
    this.indicators.push({ kind, value });
    return this;
  }

  /** Writes the files under dir. */
  write(dir: string): void {
    const tuples = this.flows.flatMap((f) => {
      const base = `${f.src},${f.dst},${f.sport},${f.dport},${f.proto ?? 6},${f.dir ?? 'I'}`;
      if (f.denied) return [`${f.t},${base},D,NX,1,60,0,0`];
      const out = f.bytesOut ?? 1000;
      const inb = f.bytesIn ?? 1000;
      return [
        `${f.t},${base},B,NX,0,0,0,0`,
        `${f.t + 2000},${base},E,NX,${Math.ceil(out / 900)},${out},${Math.ceil(inb / 900)},${inb}`,
      ];
    });
    if (tuples.length)
      put(join(dir, 'flows', 'PT1H.json'), v4Blob([{ time: new Date(T0).toISOString(), tuples }]));
    if (this.dns.length) {
      const records = this.dns.map((q) => ({
        time: new Date(q.t).toISOString(),
        resourceId: '/SUBSCRIPTIONS/S/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/DNSRESOLVERPOLICIES/P',
        category: 'DnsResponse',
        operationName: 'DnsResponse',
        properties: {
          QueryName: q.name,
          QueryType: 'A',
          QueryClass: 'IN',
          ResponseCode: q.rcode,
          Answer: q.answers.map((a) => ({ RData: a, Type: 'A', Class: 'IN', TTL: 300, Name: q.name })),
          SourceIpAddress: q.src,
          SourcePort: 5353,
          Transport: 'UDP',
          ResolutionPath: 'PublicDns',
          ResolverPolicyId: 'p',
          ResolverPolicyRuleAction: 'None',
          VirtualNetworkId: 'v',
        },
      }));
      put(join(dir, 'dns', 'PT1H.json'), JSON.stringify({ records }));
    }
    if (this.indicators.length) {
      const when = new Date(T0 - 30 * 86_400_000).toISOString();
      const objects = this.indicators.map((x, i) => ({
        type: 'indicator',
        spec_version: '2.1',
        id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        created: when,
        modified: when,
        name: x.value,
        indicator_types: ['malicious-activity'],
        pattern: `[${x.kind}:value = '${x.value}']`,
        pattern_type: 'stix',
        valid_from: when,
      }));
      put(join(dir, 'ti.stix.json'), JSON.stringify({ type: 'bundle', id: 'bundle--1', objects }));
    }
  }
}

/** Alerts as plain objects, for assertions. */
export async function storedAlerts(store: Store): Promise<Record<string, unknown>[]> {
  const rows = await store.rows(
    'SELECT RuleId, SrcIps::VARCHAR AS SrcIps, DestIps::VARCHAR AS DestIps, DestPorts::VARCHAR AS DestPorts, StartTime, EndTime, Evidence, EvidenceCount, Description FROM Alerts ORDER BY RuleId, StartTime',
  );
  return rows.map((r) => ({
    ...r,
    SrcIps: JSON.parse(String(r.SrcIps)) as string[],
    DestIps: JSON.parse(String(r.DestIps)) as string[],
    DestPorts: JSON.parse(String(r.DestPorts)) as number[],
  }));
}
