import type { Store } from '../store/store.js';
import { fields, parseJson, ReferenceFileError, text } from './parse-json.js';
import { replaceRows } from './replace-rows.js';

/** The records of a DNS log file: `{"records":[...]}`, an array, one object, or NDJSON. */
function records(body: string, uri: string): unknown[] {
  const trimmed = body.replace(/^\uFEFF/, '').trim();
  if (trimmed.startsWith('{') && trimmed.includes('\n{')) {
    // NDJSON (or concatenated objects, one per line).
    let offset = 0;
    return trimmed.split(/\r?\n/).flatMap((line) => {
      const at = offset;
      offset += Buffer.byteLength(line, 'utf8') + 1;
      if (!line.trim()) return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch (err) {
        throw new ReferenceFileError(uri, at, `invalid JSON line: ${(err as Error).message}`);
      }
    });
  }
  const doc = parseJson(trimmed, uri);
  if (Array.isArray(doc)) return doc;
  const d = fields(doc);
  return Array.isArray(d.records) ? d.records : [doc];
}

/** A DNS query log record has its query in `properties` (diagnostic logs) or at the top level. */
function queryOf(r: unknown): Record<string, unknown> {
  const f = fields(r);
  return 'QueryName' in fields(f.properties) ? fields(f.properties) : f;
}

/** True when a document holds Azure DNS security policy query logs. */
export function looksLikeDnsLogs(head: string): boolean {
  return /"QueryName"\s*:/.test(head) && (/"Answer"\s*:/.test(head) || /"QueryType"\s*:/.test(head));
}

/**
 * Loads DNS query logs into DNSQueryLogs. Answer keeps its JSON array shape ([] for NXDOMAIN) so
 * `todynamic(Answer) | mv-expand` works as in seed 000. Reading a file again replaces its rows.
 */
export async function loadDnsLogs(store: Store, uri: string, body: string): Promise<number> {
  const rows = records(body, uri).map((r, i) => {
    const q = queryOf(r);
    const time = text(fields(r).time) ?? text(q.time) ?? text(fields(r).TimeGenerated);
    const name = text(q.QueryName);
    if (!time || !name) throw new ReferenceFileError(uri, null, `record ${i} has no time or QueryName`);
    const answer = dynamicField(q.Answer) ?? [];
    const when = new Date(time);
    if (Number.isNaN(when.getTime()))
      throw new ReferenceFileError(uri, null, `record ${i} has a bad time: ${time}`);
    return {
      TimeGenerated: utcText(when),
      QueryName: name,
      QueryType: text(q.QueryType),
      ResponseCode: typeof q.ResponseCode === 'number' ? q.ResponseCode : null,
      Answer: answer,
      SourceIpAddress: text(q.SourceIpAddress),
      SourcePort: typeof q.SourcePort === 'number' ? q.SourcePort : null,
      Transport: text(q.Transport),
      ResolutionPath: text(q.ResolutionPath),
      ResolverPolicyId: text(q.ResolverPolicyId),
      ResolverPolicyRuleAction: text(q.ResolverPolicyRuleAction),
      VirtualNetworkId: text(q.VirtualNetworkId),
      Region: text(q.Region),
      AdditionalRecords: dynamicField(q.AdditionalRecords),
      Authority: dynamicField(q.Authority),
      DestinationIpAddress: text(q.DestinationIpAddress),
      DestinationPort: typeof q.DestinationPort === 'number' ? q.DestinationPort : null,
      DnsForwardingRulesetDomain: text(q.DnsForwardingRulesetDomain),
      DnsForwardingRulesetId: text(q.DnsForwardingRulesetId),
      OperationName: text(q.OperationName) ?? text(fields(r).operationName),
      PrivateResolverEndpointId: text(q.PrivateResolverEndpointId),
      QueryClass: text(q.QueryClass),
      QueryResponseTime: typeof q.QueryResponseTime === 'number' ? q.QueryResponseTime : null,
      ResolverPolicyDomainListId: text(q.ResolverPolicyDomainListId),
      Version: text(q.Version) ?? text(fields(r).version),
    };
  });
  return replaceRows(store, 'DNSQueryLogs', uri, rows);
}

/**
 * A dynamic field as logged: an array or object as it is, a string holding JSON as its value
 * (some exports write Answer as text), any other string as a JSON string; absent is null.
 */
function dynamicField(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** A UTC time as DuckDB reads it into TIMESTAMP, whatever the session zone. */
export function utcText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}
