import { createHash } from 'node:crypto';
import type { Row, Value } from '../store/store.js';
import type { AlertRow } from '../store/duckdb/detect-store.js';
import { evidenceQuery } from './evidence.js';
import type { Rule } from './rule.js';

/** What one result row of a rule says: the entities and the span of the events it is about. */
export interface Finding {
  readonly srcIps: string[];
  readonly destIps: string[];
  readonly destPorts: number[];
  readonly start: Date;
  readonly end: Date;
  readonly description: string;
  readonly entities: Record<string, Value>[];
}

/** A result column that may hold one value or a dynamic array (JSON text or a list), as a list. */
export function listOf(v: Value | undefined): Value[] {
  if (v === null || v === undefined || v === '') return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' && v.startsWith('[')) {
    try {
      const parsed = JSON.parse(v) as unknown;
      if (Array.isArray(parsed)) return parsed as Value[];
    } catch {
      // Not JSON after all: the text is the one value.
    }
  }
  return [v];
}

/** A stored timestamp (DuckDB's text, UTC) or epoch number as a Date; null when it is neither. */
export function timeOf(v: Value | undefined): Date | null {
  if (typeof v === 'number') return new Date(v);
  if (typeof v !== 'string' || v === '') return null;
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

const text = (v: Value): string => (typeof v === 'string' ? v : JSON.stringify(v));
const sortedUnique = <T extends string | number>(xs: T[]): T[] =>
  [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Reads a result row by the column conventions rules follow: SrcIp or SrcIps, DestIp or DestIps,
 * DestPort or DestPorts, StartTime and EndTime (the window when absent), Description.
 */
export function findingOf(rule: Rule, row: Row, windowStart: Date, windowEnd: Date): Finding {
  const ips = (one: string, many: string): string[] =>
    sortedUnique([...listOf(row[one]), ...listOf(row[many])].map(text).filter((s) => s !== ''));
  const ports = sortedUnique(
    [...listOf(row.DestPort), ...listOf(row.DestPorts)].map(Number).filter((n) => Number.isInteger(n)),
  );
  const srcIps = ips('SrcIp', 'SrcIps');
  const destIps = ips('DestIp', 'DestIps');
  const description =
    typeof row.Description === 'string' && row.Description
      ? row.Description
      : `${rule.name}: ${[srcIps.join(', '), destIps.join(', ')].filter(Boolean).join(' -> ')}`;
  return {
    srcIps,
    destIps,
    destPorts: ports,
    start: timeOf(row.StartTime) ?? windowStart,
    end: timeOf(row.EndTime) ?? windowEnd,
    description,
    entities: entitiesOf(rule, row, srcIps, destIps),
  };
}

/** The rule's entity mappings applied to the row; without mappings, an IP entity per address. */
function entitiesOf(rule: Rule, row: Row, srcIps: string[], destIps: string[]): Record<string, Value>[] {
  if (rule.entityMappings.length === 0)
    return [
      ...srcIps.map((a) => ({ Type: 'ip', Address: a, Role: 'source' })),
      ...destIps.map((a) => ({ Type: 'ip', Address: a, Role: 'destination' })),
    ];
  return rule.entityMappings.map((m) => {
    const e: Record<string, Value> = { Type: m.entityType.toLowerCase() };
    for (const f of m.fieldMappings) e[f.identifier] = row[f.columnName] ?? null;
    return e;
  });
}

/** What suppression compares: the rule and the entities, whatever the window. */
export function entityKey(rule: Rule, f: Finding): string {
  return `${rule.id}|${f.srcIps.join(',')}|${f.destIps.join(',')}|${f.destPorts.join(',')}`;
}

/** The Alerts row for a finding raised by the run that ended at windowEnd (its EvidenceCount comes later). */
export function alertRow(rule: Rule, f: Finding, key: string, windowStart: Date, windowEnd: Date): AlertRow {
  const id = createHash('sha256').update(`${key}|${windowEnd.toISOString()}`).digest('hex').slice(0, 32);
  return {
    TimeGenerated: windowEnd.toISOString(),
    AlertId: id,
    RuleId: rule.id,
    RuleName: rule.name,
    Severity: rule.severity,
    Tactics: JSON.stringify(rule.tactics),
    Techniques: JSON.stringify(rule.techniques),
    StartTime: f.start.toISOString(),
    EndTime: f.end.toISOString(),
    SrcIps: JSON.stringify(f.srcIps),
    DestIps: JSON.stringify(f.destIps),
    DestPorts: JSON.stringify(f.destPorts),
    Description: f.description,
    // Counted once the alert is known to be new (detect.ts).
    EvidenceCount: null,
    Evidence: evidenceQuery(rule, f),
    Entities: JSON.stringify(f.entities),
    WindowStart: windowStart.toISOString(),
    EntityKey: key,
  };
}
