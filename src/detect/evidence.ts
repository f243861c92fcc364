import type { Finding } from './alert.js';
import type { Rule } from './rule.js';

/** KQL literals for an evidence template's placeholders. */
function literals(f: Finding): Record<string, string> {
  const strings = (xs: readonly string[]): string =>
    `dynamic([${xs.map((x) => JSON.stringify(x)).join(', ')}])`;
  return {
    StartTime: `datetime(${f.start.toISOString()})`,
    EndTime: `datetime(${f.end.toISOString()})`,
    SrcIps: strings(f.srcIps),
    DestIps: strings(f.destIps),
    DestPorts: `dynamic([${f.destPorts.join(', ')}])`,
  };
}

/**
 * The KQL that returns an alert's evidence. A rule may give its own template (`vnetflow.evidence`,
 * with {StartTime} {EndTime} {SrcIps} {DestIps} {DestPorts}); otherwise it is the flow tuples
 * between the alert's first and last event, from its sources to its destinations and ports.
 */
export function evidenceQuery(rule: Rule, f: Finding): string {
  const lit = literals(f);
  if (rule.evidence)
    return rule.evidence.replace(
      /\{(StartTime|EndTime|SrcIps|DestIps|DestPorts)\}/g,
      (_, k: string) => lit[k],
    );
  const lines = ['FlowTuples', `| where TimeGenerated between (${lit.StartTime} .. ${lit.EndTime})`];
  if (f.srcIps.length) lines.push(`| where SrcIp in (${lit.SrcIps})`);
  if (f.destIps.length) lines.push(`| where DestIp in (${lit.DestIps})`);
  if (f.destPorts.length) lines.push(`| where DestPort in (${lit.DestPorts})`);
  return lines.join('\n');
}
