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

/** Which built-in evidence a rule gets when it has no template of its own. */
export type EvidenceKind = 'flows' | 'dns' | 'template';

/** A rule that reads only DNSQueryLogs (of the event tables) gets DNS evidence; any other, flows. */
export function evidenceKind(rule: Rule): EvidenceKind {
  if (rule.evidence) return 'template';
  const reads = (t: string): boolean => new RegExp(`\\b${t}\\b`).test(rule.query);
  const flows = ['FlowTuples', 'NTANetAnalytics', 'Flows'].some(reads);
  return !flows && reads('DNSQueryLogs') ? 'dns' : 'flows';
}

/**
 * The KQL that returns an alert's evidence. A rule may give its own template (`vnetflow.evidence`,
 * with {StartTime} {EndTime} {SrcIps} {DestIps} {DestPorts}). Otherwise, for a rule over DNS
 * logs, the lookups its sources made between the alert's first and last event; for any other,
 * the flow tuples in that span from its sources to its destinations and ports.
 */
export function evidenceQuery(rule: Rule, f: Finding): string {
  const lit = literals(f);
  if (rule.evidence)
    return rule.evidence.replace(
      /\{(StartTime|EndTime|SrcIps|DestIps|DestPorts)\}/g,
      (_, k: string) => lit[k],
    );
  const span = `| where TimeGenerated between (${lit.StartTime} .. ${lit.EndTime})`;
  if (evidenceKind(rule) === 'dns')
    return [
      'DNSQueryLogs',
      span,
      ...(f.srcIps.length ? [`| where SourceIpAddress in (${lit.SrcIps})`] : []),
    ].join('\n');
  const lines = ['FlowTuples', span];
  if (f.srcIps.length) lines.push(`| where SrcIp in (${lit.SrcIps})`);
  if (f.destIps.length) lines.push(`| where DestIp in (${lit.DestIps})`);
  if (f.destPorts.length) lines.push(`| where DestPort in (${lit.DestPorts})`);
  return lines.join('\n');
}
