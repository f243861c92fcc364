import { isIP } from 'node:net';

/**
 * "Why can't A reach B?" (seed 003): the tuples logged between two addresses, the rule that
 * allowed or denied them at which NIC and in which direction, encryption drops, when the traffic
 * last got through, and the answer in one plain sentence. It is written as KQL over FlowTuples
 * and NTATopologyDetails, so it runs wherever queries run (the CLI, the server) and the page can
 * open the same queries in the editor.
 */
export interface WhyQuestion {
  readonly src: string;
  readonly dst: string;
  readonly port: number | null;
  readonly from: Date;
  readonly to: Date;
}

/** One group of tuples: same verdict, rule, NIC, direction and encryption. */
export interface WhyObservation {
  status: 'Allowed' | 'Denied';
  direction: string;
  rule: string;
  acl: string;
  nic: string;
  encryption: string;
  tuples: number;
  first: string;
  last: string;
  bytesBack: number;
}

export interface WhyAnswer {
  readonly question: { src: string; dst: string; port: number | null; from: string; to: string };
  readonly verdict: 'reachable' | 'denied' | 'encryption-dropped' | 'no-reply' | 'not-seen';
  readonly sentence: string;
  readonly lastAllowed: string | null;
  readonly observations: WhyObservation[];
  /** The KQL behind the answer, to open in the editor. */
  readonly kql: string;
}

/** A question with addresses that are not IP addresses, a bad port or range: what is wrong. */
export function checkWhy(q: WhyQuestion): string | null {
  if (!isIP(q.src)) return `the source must be an IP address, got ${JSON.stringify(q.src)}`;
  if (!isIP(q.dst)) return `the destination must be an IP address, got ${JSON.stringify(q.dst)}`;
  if (q.port !== null && !(Number.isInteger(q.port) && q.port >= 0 && q.port <= 65535))
    return `the port must be 0..65535, got ${String(q.port)}`;
  if (Number.isNaN(q.from.getTime()) || Number.isNaN(q.to.getTime())) return 'from and to must be ISO times';
  if (q.from > q.to) return `from (${q.from.toISOString()}) is after to (${q.to.toISOString()})`;
  return null;
}

/** Runs one KQL query and returns its rows as objects (the caller's store or server). */
export type RunKql = (kql: string) => Promise<Record<string, unknown>[]>;

/** The KQL that lists the tuples between the two addresses, grouped as WhyObservation. */
export function whyKql(q: WhyQuestion): string {
  const filters = [
    `TimeGenerated between (datetime(${q.from.toISOString()}) .. datetime(${q.to.toISOString()}))`,
    `SrcIp == ${JSON.stringify(q.src)} and DestIp == ${JSON.stringify(q.dst)}`,
    ...(q.port === null ? [] : [`DestPort == ${q.port}`]),
  ];
  return `FlowTuples
| where ${filters.join('\n    and ')}
| summarize Tuples = count(), First = min(TimeGenerated), Last = max(TimeGenerated),
    BytesBack = sum(BytesDestToSrc)
    by FlowStatus, FlowDirection, AclRule, AclId, MacAddress, FlowEncryption
| sort by Last desc`;
}

/** NIC names by MAC address, from the topology (the MACs are the hex digits FlowTuples holds). */
function nicKql(macs: readonly string[]): string {
  return `NTATopologyDetails
| where AzureResourceType == "NetworkInterface" and MacAddress in (${macs.map((m) => JSON.stringify(m)).join(', ')})
| summarize arg_max(TimeGenerated, Name) by MacAddress`;
}

/** Answers the question with two queries. */
export async function why(q: WhyQuestion, run: RunKql): Promise<WhyAnswer> {
  const problem = checkWhy(q);
  if (problem) throw new Error(problem);
  const kql = whyKql(q);
  const rows = await run(kql);
  const macs = [...new Set(rows.map((r) => String(r.MacAddress ?? '')))].filter((m) =>
    /^[0-9A-Fa-f]{12}$/.test(m),
  );
  const nics = new Map<string, string>();
  if (macs.length)
    for (const r of await run(nicKql(macs))) nics.set(String(r.MacAddress), String(r.Name ?? ''));
  const observations: WhyObservation[] = rows.map((r) => ({
    status: r.FlowStatus === 'Denied' ? 'Denied' : 'Allowed',
    direction: String(r.FlowDirection ?? ''),
    rule: String(r.AclRule ?? ''),
    acl: String(r.AclId ?? ''),
    nic: nics.get(String(r.MacAddress)) || `the NIC with MAC ${String(r.MacAddress ?? '?')}`,
    encryption: String(r.FlowEncryption ?? ''),
    tuples: Number(r.Tuples ?? 0),
    first: String(r.First ?? ''),
    last: String(r.Last ?? ''),
    bytesBack: Number(r.BytesBack ?? 0),
  }));
  const question = {
    src: q.src,
    dst: q.dst,
    port: q.port,
    from: q.from.toISOString(),
    to: q.to.toISOString(),
  };
  const allowed = observations.filter((o) => o.status === 'Allowed' && !isEncryptionDrop(o.encryption));
  const lastAllowed = allowed.length
    ? allowed
        .map((o) => o.last)
        .sort()
        .at(-1)!
    : null;
  const { verdict, sentence } = judge(q, observations, lastAllowed);
  return { question, verdict, sentence, lastAllowed, observations, kql };
}

/** Virtual network encryption codes that mean the packet was dropped (NX alone is "not encrypted"). */
function isEncryptionDrop(code: string): boolean {
  return code.startsWith('NX_');
}

function judge(
  q: WhyQuestion,
  obs: readonly WhyObservation[],
  lastAllowed: string | null,
): { verdict: WhyAnswer['verdict']; sentence: string } {
  const target = `${q.dst}${q.port === null ? '' : `:${q.port}`}`;
  // A question over all the data (the API's default) says so instead of naming 1970.
  const range =
    q.from.getTime() <= 0
      ? 'in any of the data'
      : `between ${q.from.toISOString()} and ${q.to.toISOString()}`;
  if (obs.length === 0)
    return {
      verdict: 'not-seen',
      sentence:
        `No traffic from ${q.src} to ${target} was logged ${range}: it never reached a NIC or VNet ` +
        `with flow logging (check the route, name resolution and the source itself), or it was not tried.`,
    };
  // The newest observation decides: a rule changed an hour ago matters more than last week's.
  const newest = [...obs].sort((a, b) => (a.last < b.last ? 1 : -1))[0];
  const worked = lastAllowed ? `it last got through at ${lastAllowed}` : `it never got through ${range}`;
  const where = (o: WhyObservation): string => `${o.direction.toLowerCase()} at ${o.nic}`;
  if (newest.status === 'Denied') {
    const denied = obs.filter((o) => o.status === 'Denied' && o.rule === newest.rule);
    const n = denied.reduce((s, o) => s + o.tuples, 0);
    return {
      verdict: 'denied',
      sentence:
        `${q.src} cannot reach ${target}: rule ${newest.rule} (ACL ${newest.acl}) denied ` +
        `${n} attempt${n === 1 ? '' : 's'} ${where(newest)}, the last at ${newest.last}; ${worked}.`,
    };
  }
  if (isEncryptionDrop(newest.encryption))
    return {
      verdict: 'encryption-dropped',
      sentence:
        `${q.src} cannot reach ${target}: virtual network encryption dropped the traffic ` +
        `(${newest.encryption}) ${where(newest)}, the last at ${newest.last}, although rule ${newest.rule} allows it; ${worked}.`,
    };
  const back = obs.filter((o) => o.status === 'Allowed').reduce((s, o) => s + o.bytesBack, 0);
  if (back === 0)
    return {
      verdict: 'no-reply',
      sentence:
        `${q.src} reaches ${target} through rule ${newest.rule} (${where(newest)}), but ${q.dst} never ` +
        `answered: no bytes came back ${range}. Look at the service or a firewall on ${q.dst}.`,
    };
  return {
    verdict: 'reachable',
    sentence:
      `${q.src} reaches ${target}: rule ${newest.rule} allows it ${where(newest)}, and ${q.dst} answered; ` +
      `the last traffic was at ${newest.last}.`,
  };
}
